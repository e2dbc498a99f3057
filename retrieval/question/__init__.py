"""Question → mentions (what each span of the text is) → linked store entities, scored."""
