"""Files in and out: finding and reading prompt files, a pull request's changed prompts, and
writing generated Markdown."""
