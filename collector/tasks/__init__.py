"""Task mining: segment UI streams into task instances, cluster them into types, score them.

Pure functions over event frames (``events``, ``segment``, ``features``, ``cluster``,
``labels``, ``stats``, ``evaluate``); ``discover`` chains them.
"""
