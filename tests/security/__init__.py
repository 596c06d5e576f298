"""Security tests: each module holds one promise of README's "Security" section against the
attack that once broke it (hostile risk files, pull requests, GitHub faults)."""
