"""Statistics and analyses over a Coding."""
