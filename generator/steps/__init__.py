"""The pipeline's steps, each a pure function over the records of ``generator/records.py``.

In the order ``generator/pipeline.py`` runs them:

| module | step |
| --- | --- |
| ``parse`` | a prompt's text → ``Prompt`` |
| ``answers`` | each answer collected, rendered safe and placed (``ReviewedAnswer``) |
| ``misplaced`` | answers that answer another prompt's question |
| ``testimony`` | the task each answer states (``Statement``) |
| ``sidecar`` | what a maintainer confirmed (``Confirmation``) |
| ``infer`` | the task, how sure, each model's ✓ / ✗ / ? (``TaskInference``) |
| ``verdict`` | the verdict in one line, and the ✓ / ✗ / ? counts |
| ``audit`` | what each answer did of the prompt's rules (``AnswerAudit``) |
| ``workflow`` | the CNAPS workflow graph (``Workflow``) |
| ``compose`` | the page's Markdown, as blocks (``Page``) |
| ``check`` | every link on the page comes from its source block |
"""
