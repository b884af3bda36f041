"""Votes per second while participants write statements (near-duplicate detection on).

    .venv/bin/python benchmarks/load_writes.py [--rounds 3] [--votes 2000] [--clients 8]
        [--workers 2] [--votes-per-statement N] [--polis-data DIR] [--data DIR]

Each round runs, back to back and in alternating order, (1) the reference endpoint of
`load_votes.py` (minimal Django + raw SQL on SQLite), (2) the product on SQLite with votes only,
and (3) the product on SQLite with the same votes while one more client writes statements the
way a phone with JavaScript does: it opens "write a statement", the page asks the server for
published statements like the text being typed (``write/similar/``, the near-duplicate check),
then sends it — with "add mine anyway" when similar ones were shown. The writer keeps one new
statement per ``--votes-per-statement`` acknowledged votes. Its default comes from data: the
statements written per vote in each Pol.is export under ``--polis-data`` (a folder of
``*/comments.csv`` with ``*/votes.csv``; default the repository's ``tests/data/polis``), whose
median and quartiles are printed, and the upper quartile (the busier writing, the harder end)
is the rate. Half of the texts are close rewordings of a published statement (so the check
finds them), half are new. ``--data`` is where the throwaway servers' data goes.

Printed per run: what `load_votes.py` prints (votes/s, POST p50/p95/p99, CPU per 1,000 votes,
every acknowledged vote stored once); for the writer, statements sent and stored, how many were
shown similar ones first, and the p50/p99 of the similar check and of the write. Then, over the
rounds, the medians and the ratios with writers / reference and with writers / votes only.
Loopback only; bounded in votes and time.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import load_common as lc
import vote_harness as h

POLIS_DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "polis"

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SIMILAR_SHOWN = re.compile(r'class="similar-list"')  # the near-duplicate list, when not empty
NEW_TEXTS = (
    "We need {a} for {b} before the next budget year.",
    "Our {b} would do better with {a} every month.",
    "Give {b} a real say in {a}, not only a survey.",
)
WORDS_A = (
    "peer mentors",
    "shared training",
    "paid time to reflect",
    "clear referral paths",
    "a crisis line",
    "transport money",
    "a common intake form",
    "longer contracts",
)
WORDS_B = (
    "night shift staff",
    "rural clinics",
    "family members",
    "new supervisors",
    "youth programs",
    "recovery coaches",
    "county boards",
    "outreach teams",
)


@dataclass
class Writes:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    stored: int = 0
    shown_similar: int = 0
    check_seconds: list[float] = field(default_factory=list)
    write_seconds: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def _text(n: int, statements: int) -> str:
    """The n-th text: a close rewording of a seeded statement, or a new one (alternating)."""
    if n % 2 == 0:
        return f"Load test statement number {(n // 2) % statements}: one idea, said again {n}."
    a, b = WORDS_A[n % len(WORDS_A)], WORDS_B[(n // len(WORDS_A)) % len(WORDS_B)]
    return NEW_TEXTS[n % len(NEW_TEXTS)].format(a=a, b=b) + f" (note {n})"


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, body: str | None, headers: dict
) -> tuple[http.client.HTTPResponse, str, float]:
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response, response.read().decode(), time.perf_counter() - started


def _write_one(
    conn: http.client.HTTPConnection,
    base: str,
    cookie: str,
    text: str,
    writes: Writes,
    send: bool = True,
) -> None:
    """One statement, as a phone with JavaScript writes it: page, similar check, send (not
    with ``send`` false: the warm-up)."""
    response, page, _ = _request(conn, "GET", f"{base}write/", None, {"Cookie": cookie})
    token = CSRF.search(page)
    csrf = h.cookie_of(response, "csrftoken")
    if response.status != 200 or token is None or csrf is None:
        writes.error(f"write page HTTP {response.status}")
        return
    form = {"csrfmiddlewaretoken": token.group(1), "text": text}
    headers = {
        "Cookie": f"{cookie}; csrftoken={csrf}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response, shown, check_seconds = _request(
        conn,
        "POST",
        f"{base}write/similar/",
        urllib.parse.urlencode(form),
        {**headers, "HX-Request": "true"},
    )
    if response.status != 200:
        writes.error(f"similar HTTP {response.status}")
        return
    if not send:
        return
    similar = bool(SIMILAR_SHOWN.search(shown))
    if similar:
        form["anyway"] = "1"  # the person reads them and adds theirs anyway
    response, answer, write_seconds = _request(
        conn, "POST", f"{base}write/", urllib.parse.urlencode(form), headers
    )
    if response.status == 200 and SIMILAR_SHOWN.search(answer):
        # Published while this one was typed: the page shows them; the person adds theirs.
        similar, form["anyway"] = True, "1"
        response, answer, more = _request(
            conn, "POST", f"{base}write/", urllib.parse.urlencode(form), headers
        )
        write_seconds += more
    with writes.lock:
        writes.sent += 1
        writes.shown_similar += similar
        writes.check_seconds.append(check_seconds)
        writes.write_seconds.append(write_seconds)
        writes.stored += response.status == 302
    if response.status != 302:
        writes.error(f"write HTTP {response.status}")


def _writer(
    target: h.Target,
    statements: int,
    per: int,
    stats: h.Stats,
    stop: threading.Event,
    writes: Writes,
) -> None:
    """One statement per ``per`` acknowledged votes, from participants in turn (a fresh
    browser each time: no CSRF cookie until the write page sets one)."""
    conn = http.client.HTTPConnection(h.HOST, target.port, timeout=30)
    base = target.path.removesuffix("vote/")
    n = 0
    while not stop.is_set():
        with stats.lock:
            due = len(stats.acked) // per
        if n >= due:
            time.sleep(0.01)
            continue
        _, cookie = target.cookies[n % len(target.cookies)]
        try:
            _write_one(conn, base, cookie, _text(n, statements), writes)
        except (OSError, http.client.HTTPException) as exc:
            writes.error(type(exc).__name__)
            conn.close()
        n += 1
    conn.close()


def _product_with_writers(args: argparse.Namespace, folder: Path) -> dict:
    """The product on SQLite, the same votes as `load_votes.py`, and one writer beside them."""
    env, server, target = h.product_server(
        folder, None, args.participants, args.statements, args.workers
    )
    server.start()
    writes = Writes()
    try:
        warm = http.client.HTTPConnection(h.HOST, target.port, timeout=30)
        for _, cookie in target.cookies[: 4 * args.workers]:
            warm.request("GET", target.path, headers={"Cookie": cookie})
            warm.getresponse().read()
            # The write page and the similar check too: each worker loads scikit-learn and
            # fits its index once, as a server that has run for a while has.
            base = target.path.removesuffix("vote/")
            _write_one(warm, base, cookie, "Warm-up: a statement nobody wrote.", writes, False)
        warm.close()
        load = os.getloadavg()
        cpu0, client0 = server.cpu(), time.process_time()
        stats = h.Stats()
        stop = threading.Event()
        writer = threading.Thread(
            target=_writer,
            args=(target, args.statements, args.votes_per_statement, stats, stop, writes),
            daemon=True,
        )
        writer.start()
        stats, wall = h.drive(target, args.clients, args.votes, args.seconds, stats=stats)
        stop.set()
        writer.join(timeout=60)
        cpu = server.cpu() - cpu0
        client_cpu = time.process_time() - client0
    finally:
        server.stop()
    check = h.product_verify(folder, env, stats.acked)
    label = "product on SQLite, with a writer"
    return (
        lc.run_figures(label, stats, wall, cpu, 0.0, client_cpu, load) | check | {"writes": writes}
    )


def _print_writes(w: Writes) -> None:
    timings = (
        f"similar check p50 {1000 * h.percentile(w.check_seconds, 0.5):.1f} ms, p99 "
        f"{1000 * h.percentile(w.check_seconds, 0.99):.1f} ms; write p50 "
        f"{1000 * h.percentile(w.write_seconds, 0.5):.1f} ms, p99 "
        f"{1000 * h.percentile(w.write_seconds, 0.99):.1f} ms"
        if w.check_seconds
        else "no check or write timed"
    )
    print(
        f"    writer: {w.sent} statements sent, {w.stored} stored, {w.shown_similar} shown "
        f"similar ones first; {timings}; errors: {w.errors or 'none'}"
    )


def writing_rates(folder: Path) -> list[float]:
    """Statements written per vote cast in each Pol.is export under ``folder`` that has both
    files: rows of ``comments.csv`` (every statement, moderated or not: each was written and
    checked) over rows of ``votes.csv`` (every vote sent, changes included)."""
    rates = []
    for conv in sorted(p for p in folder.glob("*") if (p / "votes.csv").exists()):
        if not (conv / "comments.csv").exists():
            continue
        with (conv / "comments.csv").open(newline="", encoding="utf-8") as f:
            statements = sum(1 for _ in csv.DictReader(f))
        with (conv / "votes.csv").open(newline="", encoding="utf-8") as f:
            votes = sum(1 for _ in csv.DictReader(f))
        if votes:
            rates.append(statements / votes)
    return rates


def _print_rates(args: argparse.Namespace) -> None:
    if len(args.rates) >= 2:
        q1, median, q3 = statistics.quantiles(args.rates, n=4)
        print(
            f"writing rate in {len(args.rates)} Pol.is conversations ({args.polis_data}): "
            f"statements per vote median {median:.4f} (one per {1 / median:.0f} votes), "
            f"quartiles {q1:.4f} and {q3:.4f} (one per {1 / q1:.0f} and {1 / q3:.0f} votes)"
        )
    print(f"this run: one statement per {args.votes_per_statement} votes")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    lc.add_arguments(parser)
    parser.add_argument(
        "--votes-per-statement",
        type=int,
        help="writing rate (default: from --polis-data, the upper quartile of statements/vote)",
    )
    parser.add_argument(
        "--polis-data",
        type=Path,
        default=POLIS_DEFAULT,
        help="Pol.is exports (*/comments.csv + */votes.csv) the writing rate is read from",
    )
    args = parser.parse_args(argv)
    lc.check_arguments(parser, args)
    args.rates = writing_rates(args.polis_data)
    if args.votes_per_statement is None:
        if not args.rates:
            parser.error(f"no */comments.csv with */votes.csv under {args.polis_data}")
        args.votes_per_statement = max(1, round(1 / statistics.quantiles(args.rates, n=4)[2]))
    if args.votes_per_statement < 1:
        parser.error("--votes-per-statement must be at least 1")
    args.htmx = False  # what load_votes.py's runs read: GET + POST per vote, as there
    return args


def _round(args: argparse.Namespace, r: int, top: Path) -> tuple[dict[str, dict], bool]:
    order = ["reference", "votes", "writers"]
    if r % 2:
        order.reverse()
    runs: dict[str, dict] = {}
    for which in order:
        folder = Path(tempfile.mkdtemp(prefix=f"{which}-", dir=top))
        if which == "reference":
            run = lc.reference_run(args, folder)
        elif which == "votes":
            run = lc.product_run(args, folder, None)
        else:
            run = _product_with_writers(args, folder)
        lc.print_run(run)
        if "writes" in run:
            _print_writes(run["writes"])
        runs[which] = run
        shutil.rmtree(folder, ignore_errors=True)
    ref = runs["reference"]["rate"]
    print(
        f"    ratio with a writer/reference: {runs['writers']['rate'] / ref:.2f}; "
        f"votes only/reference: {runs['votes']['rate'] / ref:.2f}; "
        f"with a writer/votes only: {runs['writers']['rate'] / runs['votes']['rate']:.2f}"
    )
    failed = any(run["lost"] or run["duplicates"] for run in runs.values())
    failed |= runs["writers"]["writes"].stored != runs["writers"]["writes"].sent
    return runs, failed


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _print_rates(args)
    top = Path(tempfile.mkdtemp(prefix="wtt-writes-", dir=args.data))
    print(
        f"{args.clients} voting client threads + 1 writer (one statement per "
        f"{args.votes_per_statement} votes), {args.workers} sync worker processes per server, "
        f"GET + POST per vote, {args.participants} participants x {args.statements} "
        f"statements, {args.votes} votes per run, {os.cpu_count()} CPUs"
    )
    rounds, failed = [], False
    try:
        for r in range(args.rounds):
            print(f"round {r + 1}")
            runs, bad = _round(args, r, top)
            failed |= bad
            rounds.append(runs)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    print("summary (medians over rounds)")
    for which in ("reference", "votes", "writers"):
        runs = [r[which] for r in rounds]
        cpu = statistics.median(1000 * run["server_cpu"] / max(run["votes"], 1) for run in runs)
        print(
            f"  {runs[0]['label']}: {statistics.median(run['rate'] for run in runs):.1f} votes/s"
            f", POST p99 {1000 * statistics.median(run['p99'] for run in runs):.0f} ms, server "
            f"CPU per 1,000 votes {cpu:.1f} s"
        )
    for name, which in (("with a writer", "writers"), ("votes only", "votes")):
        ratios = [r[which]["rate"] / r["reference"]["rate"] for r in rounds]
        print(f"  ratio {name}/reference: median {statistics.median(ratios):.2f}")
    cost = [r["writers"]["rate"] / r["votes"]["rate"] for r in rounds]
    checks = [r["writers"]["writes"].check_seconds for r in rounds]
    worst = (
        f"{1000 * max(h.percentile(c, 0.99) for c in checks if c):.0f} ms"
        if any(checks)
        else "none timed"
    )
    print(
        f"  with a writer/votes only: median {statistics.median(cost):.2f}; worst similar-check "
        f"p99 {worst}; every statement stored and every acknowledged vote kept: "
        f"{'no' if failed else 'yes'}"
    )
    per_k = [
        (r["votes"]["server_cpu"] / max(r["votes"]["votes"], 1))
        / (r["writers"]["server_cpu"] / max(r["writers"]["votes"], 1))
        for r in rounds
    ]
    print(
        "  by server CPU per vote (the honest figure on a loaded machine), votes only/with a "
        f"writer: median {statistics.median(per_k):.2f} "
        f"(rounds: {', '.join(f'{x:.2f}' for x in per_k)})"
    )
    # What a statement costs beyond the votes: the writer run's server CPU less its votes at
    # the votes-only run's CPU per vote, over the statements stored.
    extra = [
        (
            r["writers"]["server_cpu"]
            - r["writers"]["votes"] * r["votes"]["server_cpu"] / max(r["votes"]["votes"], 1)
        )
        / r["writers"]["writes"].stored
        for r in rounds
        if r["writers"]["writes"].stored
    ]
    if extra:
        print(
            f"  server CPU per statement written, beyond the votes: median "
            f"{1000 * statistics.median(extra):.0f} ms "
            f"(rounds: {', '.join(f'{1000 * x:.0f}' for x in extra)})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
