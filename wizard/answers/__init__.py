"""The operator's answers, the questions that collect them, and what each answer changes in
a runner's settings."""
