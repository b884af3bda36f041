"""Backlog, gathering and "You said, we did" end to end in real Chromium, with axe."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from walkthetalk.agenda import services as agenda_services
from walkthetalk.agenda.models import ActionItem, AvoidedIssue, GatheringAcceptance, IssueRating
from walkthetalk.caremap import clock
from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations import tasks as conversation_tasks
from walkthetalk.pulse import services as pulse_services
from walkthetalk.pulse.models import Wave

from ..caremap.factories import small_system
from ..conversations import factories as conversation_factories
from ..pulse import factories as pulse_factories
from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill("a-long-staff-password")
    page.get_by_role("button", name="Sign in").click()


def participant_raises_and_rates_an_issue(page: Page, url: str) -> None:
    page.goto(f"{url}/agenda/backlog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Issues we avoid")
    assert_accessible(page)
    page.get_by_label("An issue we avoid").evaluate("el => el.removeAttribute('maxlength')")
    page.get_by_label("An issue we avoid").fill("x" * 201)
    page.get_by_role("button", name="Add to the backlog").click()
    expect(page.get_by_role("alert")).to_contain_text("keep the issue to 200")
    assert_accessible(page)
    assert AvoidedIssue.objects.count() == 0
    page.get_by_label("An issue we avoid").fill("Burnout is treated as a personal problem")
    page.get_by_role("button", name="Add to the backlog").click()
    expect(page.get_by_role("status")).to_contain_text("your issue is in the backlog")
    card = page.locator(".issue-card", has_text="Burnout is treated")
    card.get_by_role("group", name="How important is it?").get_by_text("5", exact=True).click()
    card.get_by_role("group", name="How much do we avoid it?").get_by_text("4", exact=True).click()
    card.get_by_role("button", name="Save rating").click()
    expect(page.locator(".issue-card", has_text="Burnout")).to_contain_text("You rated it")
    assert_accessible(page)
    assert IssueRating.objects.get().importance == 5


def facilitator_agrees_one_step_forward(page: Page, url: str, slug: str) -> str:
    """The facilitator builds a gathering from the backlog; returns its address."""
    _sign_in(page, url, "fay")
    page.goto(f"{url}/agenda/manage/{slug}/")
    expect(page.locator(".issue-summary")).to_contain_text("Fewer than 5 ratings")
    assert_accessible(page)
    page.get_by_label("Title").fill("Spring all-sector gathering")
    page.get_by_label("Day").fill("2026-06-01")
    page.get_by_role("button", name="Create gathering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring all-sector gathering")
    page.get_by_label("Backlog issue").select_option(
        label="Burnout is treated as a personal problem"
    )
    page.get_by_role("button", name="Add to the agenda").click()
    page.get_by_label("Decisions").fill("Caseloads become a standing leadership item.")
    page.get_by_role("button", name="Save notes").click()
    page.get_by_label("One step forward").fill("Protect weekly supervision hours")
    page.get_by_label("Owner (a role)").fill("Leader")
    page.get_by_label("Due", exact=False).first.fill("2026-07-01")
    page.get_by_role("button", name="Add the step").click()
    expect(page.locator(".agenda-item")).to_contain_text("Protect weekly supervision hours")
    assert_accessible(page)
    gathering_link = page.get_by_role("link", name="the gathering page").get_attribute("href")
    assert gathering_link is not None
    page.get_by_role("link", name="Follow up").click()
    assert_accessible(page)
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_label("Progress (%)").fill("60")
    page.get_by_label("What we did").fill("Supervision is blocked in half the programs.")
    page.get_by_role("button", name="Save follow-up").click()
    expect(page.get_by_role("status")).to_contain_text("Follow-up saved")
    assert ActionItem.objects.get().progress == 60
    page.get_by_role("button", name="Sign out").click()
    return gathering_link


def participant_accepts_and_reads_you_said_we_did(page: Page, url: str, gathering: str) -> None:
    page.goto(f"{url}{gathering}")
    expect(page.locator(".agreements li")).to_have_count(6)
    assert_accessible(page)
    page.get_by_role("button", name="I accept these agreements").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for accepting")
    assert GatheringAcceptance.objects.count() == 1
    page.goto(f"{url}/agenda/you-said-we-did/")
    expect(page.locator(".follow-up")).to_contain_text("Burnout is treated as a personal problem")
    expect(page.locator(".follow-up")).to_contain_text("Supervision is blocked in half")
    assert_accessible(page)


def test_from_backlog_to_gathering_to_you_said_we_did(live_server, page: Page) -> None:
    system = small_system()
    fay = get_user_model().objects.create_user("fay", password="a-long-staff-password")
    caremap_services.grant_role(fay, system, "facilitator")
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    participant_raises_and_rates_an_issue(page, live_server.url)
    gathering = facilitator_agrees_one_step_forward(page, live_server.url, system.slug)
    participant_accepts_and_reads_you_said_we_did(page, live_server.url, gathering)


def test_an_action_linked_to_a_scale_shows_its_measured_change(live_server, page: Page) -> None:
    """The loop closed: pulses before and after a gathering, the facilitator links the step to
    what it aims to change, and everyone reads the change and its uncertainty."""
    system = small_system()
    team = pulse_factories.unit(system, "Riverbend Day Team")
    pulse_factories.past_wave(system, "Spring pulse", team, {2: 4, 3: 4}, (200, 170))
    pulse_factories.past_wave(system, "Autumn pulse", team, {4: 4, 5: 4}, (60, 30))
    issue = agenda_services.add_issue(system, "We only talk about mistakes when it is too late")
    gathering = agenda_services.create_gathering(
        system, "Gathering on mistakes", clock.today() - dt.timedelta(days=100)
    )
    step = agenda_services.add_action_item(
        agenda_services.add_to_agenda(gathering, issue),
        "Weekly debrief after critical incidents",
        "Supervisor",
        clock.today(),
    )
    fay = get_user_model().objects.create_user("fay", password="a-long-staff-password")
    caremap_services.grant_role(fay, system, "facilitator")
    _sign_in(page, live_server.url, "fay")
    page.goto(f"{live_server.url}/agenda/manage/{system.slug}/actions/{step.public_id}/")
    expect(page.get_by_role("heading", name="What should this step change?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Healthy way it should change").select_option(label="We talk openly")
    where = page.get_by_label("Where")
    where.fill("Riverbend Night Team")  # no such unit: refused, nothing linked
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text("No unit is called “Riverbend Night Team”")
    expect(page.locator("#aims-h + p + ul")).to_have_count(0)
    # The datalist offers the real unit with where it sits; empty is the whole system.
    expect(page.locator("#id_unit-names option[value='Riverbend Day Team']")).to_have_count(1)
    page.get_by_label("Healthy way it should change").select_option(label="We talk openly")
    expect(where).to_have_value("")
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text("Linked")
    expect(page.locator("#aims-h + p + ul")).to_contain_text("clearly better")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{live_server.url}/agenda/you-said-we-did/")
    aim = page.locator(".follow-up .aim")
    expect(aim).to_contain_text("“We talk openly” in the whole system")
    expect(aim).to_contain_text("a change of 2.00")
    expect(aim).to_contain_text("Clearly better than before.")
    assert_accessible(page)


def _answer_the_pulse_saying_the_step_helped(page: Page, step: str) -> None:
    """Every statement "Mostly true" ("Often" for the how-often ones), then the last part:
    the step question, answered "Yes, it helped"."""
    while True:
        question = page.get_by_role("group", name=f"Did “{step}” help?")
        if question.count():
            expect(
                page.get_by_role("heading", name="Did these steps forward help?")
            ).to_be_visible()
            assert_accessible(page)
            question.get_by_label("Yes, it helped").check()
            page.get_by_role("button", name="Send my answers").click()
            return
        groups = page.locator("fieldset.pulse-item")
        for i in range(groups.count()):
            group = groups.nth(i)
            often = group.get_by_label("Often", exact=True)
            (often if often.count() else group.get_by_label("Mostly true for us")).check()
        page.get_by_role("button", name="Next").click()


def facilitator_links_and_finishes_the_step(
    page: Page, url: str, slug: str, step: ActionItem
) -> None:
    """The step aims at "We talk openly" everywhere and is done: the next pulse will ask."""
    _sign_in(page, url, "fay")
    page.goto(f"{url}/agenda/manage/{slug}/actions/{step.public_id}/")
    page.get_by_label("Healthy way it should change").select_option(label="We talk openly")
    page.get_by_label("Where").fill("")  # the whole system
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text("Linked")
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_label("Progress (%)").fill("100")
    page.get_by_label("What we did").fill("Every team now debriefs after hard moments.")
    page.get_by_role("button", name="Save follow-up").click()
    expect(page.get_by_role("status")).to_contain_text("Follow-up saved")
    page.goto(f"{url}/agenda/manage/{slug}/actions/{step.public_id}/")
    expect(page.locator(".participants")).to_contain_text("will ask participants whether it helped")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()


def facilitator_follows_a_statement(page: Page, url: str, slug: str, step: ActionItem) -> None:
    """The step also aims at how many agree that supervisors have time for their teams."""
    _sign_in(page, url, "fay")
    page.goto(f"{url}/agenda/manage/{slug}/actions/{step.public_id}/")
    supervisors = "Supervisors have time to support their teams."
    page.get_by_label("Statement", exact=True).select_option(label=supervisors)
    page.get_by_label("What should change").select_option(label="How many agree")
    page.get_by_role("button", name="Follow this statement").click()
    expect(page.get_by_role("status")).to_contain_text("Linked, with the figure")
    aims = page.locator("#statement-aims-h + p + ul")
    expect(aims).to_contain_text("votes agreed when this step was linked")
    expect(aims).to_contain_text("No new votes on it have been shown since")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()


def steward_opens_the_next_pulse(page: Page, url: str, slug: str) -> None:
    _sign_in(page, url, "stu")
    page.goto(f"{url}/pulse/{slug}/")
    page.get_by_role("link", name="Open a new wave").click()
    page.get_by_label("Title").fill("Winter pulse")
    page.get_by_label("Riverbend Recovery (organization)").check()
    page.get_by_role("button", name="Open the wave").click()
    expect(page.locator(".messages")).to_contain_text("also asks whether 1 step(s) forward helped")
    page.get_by_role("button", name="Sign out").click()


def test_the_loop_end_to_end_with_the_participants_verdict(live_server, page: Page) -> None:
    """A step agreed at a gathering is linked to its aim and marked done; the steward's next
    pulse asks whether it helped; a participant answers; once the wave closes, everyone reads
    the measured change and what participants said, side by side."""
    system = small_system()
    team = pulse_factories.unit(system, "Riverbend Day Team")
    pulse_factories.past_wave(system, "Spring pulse", team, {2: 4, 3: 4}, (200, 170))
    pulse_factories.past_wave(system, "Autumn pulse", team, {4: 4, 5: 4}, (60, 30))
    issue = agenda_services.add_issue(system, "We only talk about mistakes when it is too late")
    gathering = agenda_services.create_gathering(
        system, "Gathering on mistakes", clock.today() - dt.timedelta(days=100)
    )
    words = "Weekly debrief after critical incidents"
    step = agenda_services.add_action_item(
        agenda_services.add_to_agenda(gathering, issue), words, "Supervisor", clock.today()
    )
    for name, role in (("fay", "facilitator"), ("stu", "steward")):
        user = get_user_model().objects.create_user(name, password="a-long-staff-password")
        caremap_services.grant_role(user, system, role)

    conv = conversation_factories.conversation(system)
    conversation_factories.with_results(conv)  # 6 of 12 agree that supervisors have time
    facilitator_links_and_finishes_the_step(page, live_server.url, system.slug, step)
    facilitator_follows_a_statement(page, live_server.url, system.slug, step)
    steward_opens_the_next_pulse(page, live_server.url, system.slug)

    wave = Wave.objects.get(title="Winter pulse")
    token = pulse_services.make_batch(wave, 5, unit=team).tokens[0]
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{live_server.url}/pulse/w/{wave.pk}/")
    _answer_the_pulse_saying_the_step_helped(page, words)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — your answers are in")
    key = f"step-{step.pk}"
    assert wave.responses.get().answers[key] == 3.0  # inside the one response row
    others = pulse_factories.passes(wave, 5, unit=team)
    for p, said in zip(others, (3, 2, 1, 2, 3), strict=True):
        pulse_services.submit_response(wave, p, {**pulse_factories.healthy(4), key: said})
    pulse_services.close_wave(wave)

    supervisors = conv.statements.get(text="Supervisors have time to support their teams.")
    for i in range(14):  # people voting since the step: most now agree
        voter = conversation_factories.joined(conv)
        choice = "disagree" if i == 0 else "agree"
        conversation_services.cast_vote(
            conv, voter, supervisors.public_id, choice, conversation_factories.key()
        )
    conversation_tasks.refresh(conv.pk)

    page.goto(f"{live_server.url}/agenda/you-said-we-did/")
    said = page.locator(".follow-up .participants")
    expect(said).to_contain_text("5 of 6 people who answered in Winter pulse said it helped")
    aims = page.locator(".follow-up .aim")
    expect(aims.first).to_contain_text("Clearly better than before.")
    expect(aims.last).to_contain_text("How many agree with “Supervisors have time")
    expect(aims.last).to_contain_text("votes since: a change of +")
    expect(aims.last).to_contain_text("Clearly more agree than before.")
    assert_accessible(page)


def test_rating_on_a_phone_saves_in_place_and_duplicates_point_to_the_original(
    live_server, sized_page: Page
) -> None:
    page = sized_page
    system = small_system()
    titles = [f"We avoid talking about topic number {n}" for n in range(1, 6)]
    for title in titles:
        agenda_services.add_issue(system, title)
    (token,) = caremap_services.create_invitations(system, 1)
    page.goto(f"{live_server.url}/join/?t={token}")
    page.get_by_role("button", name="Start").click()
    page.goto(f"{live_server.url}/agenda/backlog/")
    card = page.locator(".issue-card", has_text="topic number 3")
    card.scroll_into_view_if_needed()
    # The words for the ends of each scale sit beside its controls, in the card.
    expect(card.get_by_role("group", name="How important is it?")).to_contain_text("very")
    expect(card.get_by_role("group", name="How much do we avoid it?")).to_contain_text(
        "we never do"
    )
    box = card.locator("h3").bounding_box()
    assert box and box["height"] > 0
    order = page.locator(".issue-card h3").all_inner_texts()
    scrolled = page.evaluate("window.scrollY")
    card.get_by_role("group", name="How important is it?").get_by_text("4", exact=True).click()
    card.get_by_role("group", name="How much do we avoid it?").get_by_text("5", exact=True).click()
    card.get_by_role("button", name="Save rating").click()
    saved = page.locator(".issue-card", has_text="topic number 3")
    expect(saved.get_by_role("status")).to_contain_text("Saved")
    expect(saved).to_contain_text("You rated it: important 4, avoided 5")
    # No jump to the top, and the card stays where it was.
    assert abs(page.evaluate("window.scrollY") - scrolled) < 80, scrolled
    assert page.locator(".issue-card h3").all_inner_texts() == order
    assert_accessible(page)
    rating = IssueRating.objects.get()
    assert (rating.importance, rating.avoidance) == (4, 5)
    # The same issue again, in other words' case and punctuation: refused, with the way to it.
    page.get_by_label("An issue we avoid").fill("we avoid talking about topic number 2!")
    page.get_by_role("button", name="Add to the backlog").click()
    # Issues like it are offered first; adding the very same one anyway is refused.
    expect(page.get_by_role("region", name="Someone may have raised this already")).to_be_visible()
    page.get_by_role("button", name="Add mine anyway").click()
    expect(page.get_by_role("alert")).to_contain_text("already in the backlog")
    assert AvoidedIssue.objects.count() == 5
    assert_accessible(page)
    page.get_by_role(
        "link", name="Go to “We avoid talking about topic number 2” and rate it"
    ).click()
    original = AvoidedIssue.objects.get(title=titles[1])
    expect(page).to_have_url(f"{live_server.url}/agenda/backlog/raise/#issue-{original.public_id}")
    expect(page.locator(f"#issue-{original.public_id}")).to_be_in_viewport()
