"""One figure function per figure family; ``theme`` holds the shared look."""
