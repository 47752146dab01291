"""Text processing: the spaCy pipeline and negation scope."""
