"""Reading answers files and writing outputs safely."""
