"""The worker's door into this part: thin tasks that call one function each."""
