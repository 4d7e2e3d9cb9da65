"""``pei-rules serve``: a web page for planning offices and a JSON API for systems.

- :mod:`.settings`: limits and options (upload size and count, workers, user rule sets);
- :mod:`.uploads`: uploaded files to plans, in memory (spreadsheets in a private temporary
  folder), never touching a server path the client names;
- :mod:`.service`: the operations (evaluate, explain, audit, check, diff, batch) on the
  library modules, each run in a worker thread with its own language context;
- :mod:`.page`: the HTML page (Spanish, English switch; inline CSS and JavaScript only);
- :mod:`.openapi`: the OpenAPI schema the server publishes at ``/api/openapi.json``;
- :mod:`.app`: the Starlette application (routes, error handling, body-size limit).
"""
