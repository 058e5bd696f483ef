def strip_server(line):
    """``srv1| {json}`` → ``{json}``; comment lines are dropped; a line without a server is an error."""
    if line.startswith("#"):
        return None
    server, sep, rest = line.partition("| ")
    if not sep:
        raise ValueError("no server prefix in %r" % line[:20])
    return rest
