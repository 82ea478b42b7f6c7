"""What is made over a whole collection of prompts: where pages live, the home and index pages,
the Report page, the review list and the JSON export."""
