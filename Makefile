# Shortcuts for ./run (the real entry point).
.PHONY: setup demo test tests

setup:
	./run setup

demo:
	./run demo

test tests:
	./run tests
