"""What GitLab Runner reads from config.toml and what each setting means."""
