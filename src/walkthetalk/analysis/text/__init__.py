"""Local text methods over statements and avoided issues: near-duplicate detection
(:mod:`.similarity`) and topics (:mod:`.topics`). scikit-learn only — no hosted model, no
network; plain strings in, plain data out; no Django."""
