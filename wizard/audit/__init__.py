"""The rule catalogue applied to files: findings with severities, places and fixes."""
