"""Conversation pages: thin HTTP over services and selectors.

Participant pages work without JavaScript (plain form posts, then a redirect); with htmx the
vote card is swapped for the next one in place.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.access import access_care_system
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.participant_http import current_pass, give_pass
from walkthetalk.conversations import (
    selectors,
    services,
    tasks,
    text_checks,
    vote_page,
    write_page,
)
from walkthetalk.conversations.access import (
    FACILITATORS,
    access_conversation,
    access_statement,
    access_topic,
    public_conversation,
)
from walkthetalk.conversations.forms import (
    AgreementsForm,
    ClarificationForm,
    ConversationForm,
    PolicyForm,
    PolisUploadForm,
    QuestionForm,
    SectorChoiceForm,
    SeedForm,
    StatementForm,
)
from walkthetalk.conversations.models import (
    STATEMENT_MAX_LENGTH,
    TOPIC_NAME_MAX_LENGTH,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)
from walkthetalk.conversations.participant_http import keep_last_vote, last_vote
from walkthetalk.conversations.text_checks import STATEMENT_MIN_LENGTH
from walkthetalk.reports.render.csv_writer import write_csv


def _htmx(request: HttpRequest) -> bool:
    """An htmx request (the header django-htmx reads, without building every header's dict)."""
    return request.META.get("HTTP_HX_REQUEST") == "true"


def _request_key() -> str:
    return vote_page.new_request_key()


# --- participants ------------------------------------------------------------------------


def _participant_or_redirect(
    request: HttpRequest, conversation: Conversation
) -> ConversationParticipant | HttpResponse:
    participant_pass = current_pass(request)
    if participant_pass is None or participant_pass.care_system_id != conversation.care_system_id:
        return redirect("conversations:join", public_id=conversation.public_id)
    participant = selectors.participant_for(conversation, participant_pass)
    if not selectors.has_accepted(conversation, participant):
        return redirect("conversations:agreements", public_id=conversation.public_id)
    assert participant is not None
    return participant


def start(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = public_conversation(public_id)
    found = _participant_or_redirect(request, conversation)
    if isinstance(found, HttpResponse):
        return found
    return redirect("conversations:vote", public_id=public_id)


@require_http_methods(["GET", "POST"])
@never_cache
def join(request: HttpRequest, public_id: str) -> HttpResponse:
    """The open link: a participant declares their sector and gets an anonymous pass."""
    conversation = public_conversation(public_id)
    participant_pass = current_pass(request)
    if (
        participant_pass is not None
        and participant_pass.care_system_id == conversation.care_system_id
    ):
        return redirect("conversations:agreements", public_id=public_id)
    if not conversation.open_link or not conversation.is_open:
        return render(request, "conversations/by_invitation.html", {"conversation": conversation})
    form = SectorChoiceForm(conversation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_pass = caremap_services.open_pass(conversation.care_system, form.cleaned_data["sector"])
        return give_pass(redirect("conversations:agreements", public_id=public_id), new_pass)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "conversations/join.html",
        {"conversation": conversation, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def agreements(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = public_conversation(public_id)
    participant_pass = current_pass(request)
    if participant_pass is None or participant_pass.care_system_id != conversation.care_system_id:
        return redirect("conversations:join", public_id=public_id)
    participant = selectors.participant_for(conversation, participant_pass)
    if request.method == "POST":
        if request.POST.get("accept") != "yes":
            messages.error(request, gettext("To take part, please accept the agreements."))
        else:
            try:
                services.accept_agreements(conversation, participant_pass)
            except services.ConversationError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("conversations:vote", public_id=public_id)
    return render(
        request,
        "conversations/agreements.html",
        {
            "conversation": conversation,
            "accepted": selectors.has_accepted(conversation, participant),
            "changed": participant is not None and participant.agreements_version > 0,
        },
    )


def _voter(request: HttpRequest, public_id: str) -> selectors.Voter | HttpResponse:
    """The participant and conversation of a vote request, found once (one query); anyone not
    joined or not yet agreed is sent where they can."""
    found = selectors.voter(public_id, current_pass(request))
    if found is not None and found.accepted:
        return found
    conversation = found.conversation if found is not None else public_conversation(public_id)
    participant = _participant_or_redirect(request, conversation)
    if isinstance(participant, HttpResponse):
        return participant
    return selectors.Voter(conversation, participant, selectors.common_ground_for(conversation))


def _vote_context(
    voter: selectors.Voter,
    error: str = "",
    last: services.VoteOutcome | None = None,
    wanted: str = "",
    changing: Vote | None = None,
) -> dict[str, Any]:
    card = selectors.vote_card(voter.conversation, voter.participant, wanted)
    conversation = voter.conversation
    changing = changing if conversation.is_open else None
    # No results beside a statement still to vote on: they would anchor the vote (Pol.is shows
    # none before a person votes). The card shows them once every vote is in, or once closed.
    ground_shown = not conversation.is_open or (card.statement is None and changing is None)
    remaining = card.progress.remaining
    return {
        "conversation": conversation,
        "statement": card.statement,
        "progress": card.progress,
        "left": vote_page.left_text(remaining),
        "request_key": _request_key(),
        "error": error,
        "last": last,
        "changing": changing,
        "common_ground": voter.common_ground[:5] if ground_shown else [],
    }


def _changing(request: HttpRequest, voter: selectors.Voter) -> Vote | None:
    """The participant's last vote, when a GET asks to change it (``?change=last``, the undo
    beside "your vote is counted"); which statement it was comes from their own browser."""
    if request.method != "GET" or request.GET.get("change") != "last":
        return None
    last = last_vote(request)
    return selectors.my_vote(voter.participant, last.statement_id) if last else None


@require_http_methods(["GET", "POST"])
@vote_page.never_cache
def vote(request: HttpRequest, public_id: str) -> HttpResponse:
    """The vote card. A vote is one POST: with htmx it is answered with the next statement's
    card; without JavaScript by a redirect to this page (post/redirect/get). Either answer
    keeps the vote just cast on the voter's browser, for "counted — undo"."""
    voter = _voter(request, public_id)
    if isinstance(voter, HttpResponse):
        return voter
    error = ""
    outcome = None
    if request.method == "POST":
        try:
            outcome = services.cast_vote(
                voter.conversation,
                voter.participant,
                request.POST.get("statement", ""),
                request.POST.get("choice", ""),
                request.POST.get("key", ""),
                request.POST.get("replaces", ""),
            )
        except services.NotAcceptedError:
            return redirect("conversations:agreements", public_id=public_id)
        except services.ConversationError as exc:
            error = str(exc)
        if not _htmx(request):
            if error:
                messages.error(request, error)
            elif request.POST.get("next") == "mine":
                assert outcome is not None
                if outcome.replayed:  # sent twice, or from an older page: nothing changed
                    messages.info(request, gettext("Your vote is “%(v)s”.") % {"v": outcome.label})
                else:
                    messages.success(
                        request, gettext("Changed your vote to “%(v)s”.") % {"v": outcome.label}
                    )
                mine_url = reverse("conversations:mine", kwargs={"public_id": public_id})
                return redirect(f"{mine_url}#vote-{outcome.statement_id}")
            response = HttpResponseRedirect(request.path)  # this very page (no URL reversal)
            return keep_last_vote(response, request.path, outcome) if outcome else response
    else:
        outcome = last_vote(request)
    wanted = request.GET.get("s", "") if request.method == "GET" else ""
    context = _vote_context(voter, error, outcome, wanted, _changing(request, voter))
    page = vote_page.render_vote(request, context, _htmx(request))
    if request.method == "POST" and outcome is not None:
        keep_last_vote(page, request.path, outcome)
    return page


def _submit(request: HttpRequest, conversation: Conversation, form: StatementForm) -> bool:
    """Add the participant's statement; False (the reason on the form) when it was not."""
    participant_pass = current_pass(request)
    assert participant_pass is not None
    try:
        statement = services.submit_statement(
            conversation, participant_pass, form.cleaned_data["text"]
        )
    except services.ConversationError as exc:
        form.add_error("text", str(exc))
        return False
    if statement.status == Statement.Status.PENDING:
        messages.success(
            request,
            gettext("Thank you! Your statement will appear once a facilitator has read it."),
        )
    else:
        messages.success(request, gettext("Thank you! Your statement is now in the conversation."))
    return True


def _writer(request: HttpRequest, public_id: str) -> selectors.Writer | HttpResponse:
    """The participant writing and their conversation, found once (one query); anyone not
    joined or not yet agreed is sent where they can."""
    found = selectors.writer(public_id, current_pass(request))
    if found is not None and found.accepted:
        return found
    conversation = public_conversation(public_id)
    participant = _participant_or_redirect(request, conversation)
    if isinstance(participant, HttpResponse):
        return participant
    return selectors.Writer(conversation, participant)


@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, public_id: str) -> HttpResponse:
    """Write a statement. Published statements like it are shown first (without JavaScript: on
    the first post, which then asks "add mine anyway?"; with htmx: while typing)."""
    found = _writer(request, public_id)
    if isinstance(found, HttpResponse):
        return found
    conversation = found.conversation
    form = StatementForm(request.POST or None)
    similar: list[Statement] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            text = form.cleaned_data["text"]
            if not request.POST.get("anyway") and not text_checks.statement_problems(text):
                similar = selectors.similar_statements(conversation, text)
            if not similar and _submit(request, conversation, form):
                return redirect("conversations:vote", public_id=public_id)
        status = 200 if similar else 400
    return write_page.render_write(
        request,
        {
            "conversation": conversation,
            "form": form,
            "min_length": STATEMENT_MIN_LENGTH,
            "similar": similar,
        },
        status=status,
    )


@require_POST
def similar(request: HttpRequest, public_id: str) -> HttpResponse:
    """The published statements like the text being typed (htmx, while writing)."""
    found = _writer(request, public_id)
    if isinstance(found, HttpResponse):
        return HttpResponse(status=204)
    conversation = found.conversation
    text = request.POST.get("text", "")[:STATEMENT_MAX_LENGTH]
    shown = (
        selectors.similar_statements(conversation, text)
        if len(text_checks.normalise(text)) >= STATEMENT_MIN_LENGTH
        else []
    )
    return render(
        request,
        "conversations/partials/similar.html",
        {"conversation": conversation, "similar": shown},
    )


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, public_id: str, statement_id: str) -> HttpResponse:
    """ "What do you mean?" on a statement."""
    conversation = public_conversation(public_id)
    found = _participant_or_redirect(request, conversation)
    if isinstance(found, HttpResponse):
        return found
    statement = access_statement(conversation, statement_id, published_only=True)
    form = QuestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            participant_pass = current_pass(request)
            assert participant_pass is not None
            try:
                services.ask_clarification(
                    conversation, participant_pass, statement_id, form.cleaned_data["question"]
                )
            except services.ConversationError as exc:
                form.add_error("question", str(exc))
            else:
                messages.success(
                    request,
                    gettext(
                        "Thank you for asking. A facilitator will add a clarification for "
                        "everyone. You can vote on the statement now, or pass and come back to "
                        "it later."
                    ),
                )
                return redirect(_vote_on(public_id, statement_id))
        status = 400
    return render(
        request,
        "conversations/ask.html",
        {
            "conversation": conversation,
            "statement": statement,
            "form": form,
            "back_url": _vote_on(public_id, statement.public_id),
        },
        status=status,
    )


def _vote_on(public_id: str, statement_id: str) -> str:
    """The vote page showing this statement first (when it is still open to this participant)."""
    return f"{reverse('conversations:vote', kwargs={'public_id': public_id})}?s={statement_id}"


@never_cache
def mine(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = public_conversation(public_id)
    found = _participant_or_redirect(request, conversation)
    if isinstance(found, HttpResponse):
        return found
    return render(
        request,
        "conversations/mine.html",
        {
            "conversation": conversation,
            "votes": selectors.my_votes(conversation, found),
            "statements": selectors.my_statements(conversation, found),
            "request_key": _request_key,
        },
    )


@never_cache
def stand(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where do I stand: the participant's own opinion group, from their own votes (nothing
    about anyone else; see :func:`selectors.where_i_stand`)."""
    conversation = public_conversation(public_id)
    found = _participant_or_redirect(request, conversation)
    if isinstance(found, HttpResponse):
        return found
    standing = selectors.where_i_stand(conversation, found)
    return render(
        request,
        "conversations/stand.html",
        {
            "conversation": conversation,
            "standing": standing,
            "map_width": selectors.MAP_WIDTH,
            "map_height": selectors.MAP_HEIGHT,
            "min_size": conversation.care_system.min_group_size,
        },
    )


# --- facilitators ------------------------------------------------------------------------


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    waiting = selectors.waiting_statements(request.user)
    systems = [
        (system, [(c, waiting.get(c.pk, 0)) for c in conversations])
        for system, conversations in selectors.conversations_for_staff(request.user)
    ]
    return render(request, "conversations/staff_list.html", {"systems": systems})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    form = ConversationForm(system, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = services.create_conversation(
                system,
                data["title"],
                question=data["question"],
                seed_statements=data["seed_statements"].splitlines(),
                sectors=data["sectors"],
                moderation=data["moderation"],
                open_link=data["open_link"],
                moderation_policy=data["moderation_policy"],
                role=selectors.moderator_role(request.user, system),
                draft=True,
            )
        except services.ConversationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Saved “{conversation.title}” as a draft: no participant can see it yet. "
                "Preview it, then go live.",
            )
            return redirect("conversations:manage", public_id=conversation.public_id)
    return render(request, "conversations/create.html", {"system": system, "form": form})


def _add_seeds(request: HttpRequest, conversation: Conversation, form: SeedForm) -> bool:
    """Add the pasted seed statements; False (with every bad line on the form) when none were."""
    try:
        outcome = services.add_seed_statements(
            conversation,
            form.cleaned_data["statements"].splitlines(),
            keep_good=form.cleaned_data["keep_good"],
            role=selectors.moderator_role(request.user, conversation.care_system),
        )
    except services.SeedLinesError as exc:
        for problem in exc.lines:
            form.add_error("statements", problem.message)
        return False
    except services.ConversationError as exc:
        form.add_error("statements", str(exc))
        return False
    messages.success(request, f"Added {outcome.added} statements.")
    if outcome.already_there:
        messages.info(request, f"{outcome.already_there} were already in the conversation.")
    for problem in outcome.left_out:
        messages.warning(request, "Left out " + problem.message)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = access_conversation(request.user, public_id)
    action = request.POST.get("action") if request.method == "POST" else None
    seed_form = SeedForm(request.POST if action == "seed" else None)
    policy_form = PolicyForm(
        request.POST if action == "policy" else None,
        initial={"moderation_policy": conversation.moderation_policy},
    )
    if action in Conversation.Status.values:
        was_draft = conversation.is_draft
        try:
            services.set_status(conversation, action)
        except services.ConversationError as exc:
            messages.error(request, str(exc))
        else:
            if was_draft and conversation.is_open:
                messages.success(request, "The conversation is live: participants can join it now.")
            else:
                messages.success(
                    request, f"The conversation is now {conversation.get_status_display().lower()}."
                )
        return redirect("conversations:manage", public_id=public_id)
    if action == "seed" and seed_form.is_valid() and _add_seeds(request, conversation, seed_form):
        return redirect("conversations:manage", public_id=public_id)
    if action == "policy" and policy_form.is_valid():
        services.set_moderation_policy(conversation, policy_form.cleaned_data["moderation_policy"])
        messages.success(request, "Saved the moderation policy; participants see it now.")
        return redirect("conversations:manage", public_id=public_id)
    join_url = request.build_absolute_uri(
        reverse("conversations:join", kwargs={"public_id": public_id})
    )
    return render(
        request,
        "conversations/manage.html",
        {
            "conversation": conversation,
            "counts": selectors.status_counts(conversation),
            "participants": conversation.participants.count(),
            "join_url": join_url,
            "seed_form": seed_form,
            "policy_form": policy_form,
            "sectors": list(conversation.sectors.all()),
        },
        status=400 if action in ("seed", "policy") else 200,
    )


@login_required
def preview(request: HttpRequest, public_id: str) -> HttpResponse:
    """What participants will see, in order, with nothing to answer (before going live)."""
    conversation = access_conversation(request.user, public_id)
    statements = selectors.published_statements(conversation)
    return render(
        request,
        "conversations/preview.html",
        {
            "conversation": conversation,
            "statement": statements[0] if statements else None,
            "statements": statements,
            "total": len(statements),
            "sectors": list(conversation.sectors.all()),
        },
    )


@login_required
def moderation_log(request: HttpRequest, public_id: str) -> HttpResponse:
    """The moderation log as CSV: what was decided, on which day, by which role."""
    conversation = access_conversation(request.user, public_id)
    body = write_csv(selectors.MODERATION_LOG_HEADER, selectors.moderation_log(conversation))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="moderation-log-{conversation.public_id}.csv"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def edit_agreements(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = access_conversation(request.user, public_id)
    form = AgreementsForm(
        request.POST or None, initial={"agreements": "\n".join(conversation.agreements)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agreements(conversation, form.cleaned_data["agreements"].splitlines())
        except services.ConversationError as exc:
            form.add_error("agreements", str(exc))
        else:
            messages.success(request, "Saved the agreements.")
            return redirect("conversations:manage", public_id=public_id)
    return render(
        request, "conversations/edit_agreements.html", {"conversation": conversation, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = access_conversation(request.user, public_id)
    status = request.GET.get("status", "pending")
    query = request.GET.get("q", "")[:100]
    if request.method == "POST":
        statement = access_statement(conversation, request.POST.get("statement", ""))
        action = request.POST.get("action", "")
        role = selectors.moderator_role(request.user, conversation.care_system)
        try:
            if action == "clarify":
                form = ClarificationForm(request.POST)
                if not form.is_valid():
                    raise services.ConversationError(
                        "Please keep a clarification to 1000 characters — a sentence or two "
                        "is usually enough."
                    )
                services.clarify_statement(statement, form.cleaned_data["clarification"], role=role)
                messages.success(request, "Saved the clarification; everyone now sees it.")
            else:
                services.moderate_statement(statement, action, role=role)
                messages.success(
                    request,
                    f"“{statement.text[:60]}” is now {statement.get_status_display().lower()}.",
                )
        except services.ConversationError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(request.get_full_path())
    page = selectors.moderation_page(conversation, status, request.GET.get("page"), query)
    rows = [
        (
            s,
            selectors.questions_for(s) if status == "questions" else [],
            ClarificationForm(initial={"clarification": s.clarification}),
        )
        for s in page.object_list
    ]
    return render(
        request,
        "conversations/moderate.html",
        {
            "conversation": conversation,
            "page": page,
            "rows": rows,
            "status": status,
            "query": query,
            "counts": selectors.status_counts(conversation),
            "tabs": [
                ("pending", "Waiting"),
                ("published", "Published"),
                ("rejected", "Not published"),
                ("questions", "Asked “what do you mean?”"),
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_polis(request: HttpRequest, slug: str) -> HttpResponse:
    system = access_care_system(request.user, slug, *FACILITATORS)
    form = PolisUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = {
            "comments.csv": form.cleaned_data["comments"],
            "votes.csv": form.cleaned_data.get("votes"),
            "participants-votes.csv": form.cleaned_data.get("participants_votes"),
        }
        with tempfile.TemporaryDirectory(prefix="polis-") as folder:
            for name, upload in files.items():
                if upload is None:
                    continue
                with open(Path(folder) / name, "wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
            try:
                summary = services.import_polis(
                    system, folder, form.cleaned_data["title"] or "Imported Pol.is conversation"
                )
            except services.ConversationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Imported {summary.statements} statements and {summary.votes} votes from "
                    f"{summary.participants} participants. Results are being computed.",
                )
                return redirect("conversations:results", public_id=summary.conversation.public_id)
    return render(
        request,
        "conversations/import_polis.html",
        {"system": system, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- topics --------------------------------------------------------------------------------


def _topic_action(request: HttpRequest, system: CareSystem) -> None:
    """One facilitator action on the topics page: find them now, rename one, merge two."""
    action = request.POST.get("action")
    if action == "find":
        tasks.refresh_topics.enqueue(system.pk)
        messages.success(request, "Finding topics now, in the background.")
    elif action == "rename":
        topic = access_topic(system, request.POST.get("topic"))
        services.rename_topic(topic, request.POST.get("name", ""))
        messages.success(request, f"Renamed the topic “{topic.name}”.")
    elif action == "merge":
        keep = access_topic(system, request.POST.get("keep"))
        other = access_topic(system, request.POST.get("other"))
        services.merge_topics(keep, other)
        messages.success(request, f"Merged into “{keep.name}”.")


@login_required
@require_http_methods(["GET", "POST"])
def topics(request: HttpRequest, slug: str) -> HttpResponse:
    """A care system's topics (statements and backlog issues): rename, merge, find again."""
    system = access_care_system(request.user, slug, *FACILITATORS)
    if request.method == "POST":
        try:
            _topic_action(request, system)
        except services.TopicError as exc:
            messages.error(request, str(exc))
            return render(request, "conversations/topics.html", _topics_context(system), status=400)
        return redirect("conversations:topics", slug=slug)
    return render(request, "conversations/topics.html", _topics_context(system))


def _topics_context(system: CareSystem) -> dict[str, Any]:
    return {
        "system": system,
        "topics": selectors.topics_for_staff(system),
        "topic_set": selectors.topic_set(system),
        "name_max": TOPIC_NAME_MAX_LENGTH,
    }
