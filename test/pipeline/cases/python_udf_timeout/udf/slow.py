def spin(record):
    while True:
        pass
