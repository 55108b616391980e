"""Train the shipped character trigram model from the shipped popular-domain training list."""

from __future__ import annotations

from pathlib import Path

from hunt_assets.analytics.dns import ngram

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    model = ngram.train(ngram.load_training_domains(), source=ngram.TRAIN_FILE)
    out = ROOT / "hunt_assets" / "data" / ngram.MODEL_FILE
    ngram.save(model, str(out))
    print(f"{out.relative_to(ROOT)}: trained on {model.n_train_labels} labels")


if __name__ == "__main__":
    main()
