"""The versioned wire schema between a station and the admin server: the one package both import."""
