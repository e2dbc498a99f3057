"""Executed plans → gates (state a figure, offer alternatives, or refuse) → the worded Answer."""
