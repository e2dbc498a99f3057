"""Typed query plans: built from a read question by the builders' registry, scored, executed on facts."""
