"""Python tests for the in-container launcher (images/launcher); see test_*.py."""
