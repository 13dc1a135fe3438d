# web/: the station's web pages (web/web.h), served by cunlian serve --http.
BIN_SRCS += web/server.c web/form.c web/html.c web/pages.c web/display.c
# The pages of volunteers and staff, and the county dashboard (issue 16).
BIN_SRCS += web/staff.c web/hub.c
