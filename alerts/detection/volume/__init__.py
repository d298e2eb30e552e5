"""Volume: a level learned at one volume read at another, and volume as a signal of its own."""
