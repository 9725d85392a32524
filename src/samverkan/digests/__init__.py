"""Following searches and postings: digests by e-mail and private Atom feeds."""
