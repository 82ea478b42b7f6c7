"""Benchmarks of Prompt Pages at scale: a corpus synthesiser and a benchmark runner.

    .venv/bin/python -m benchmarks.synth 1000 --out /tmp/corpus          # write 1,000 prompts
    .venv/bin/python -m benchmarks.run --sizes 1000 10000 --browser \\
        --out benchmarks/out/results.json                                # measure; see run.py
"""
