# web/: the station's web pages (web/web.h), served by cunlian serve --http.
BIN_SRCS += web/server.c web/form.c web/html.c web/pages.c web/display.c
# The pages of volunteers and staff, and the county dashboard (issue 16).
BIN_SRCS += web/staff.c web/hub.c
# The residents' pages (kiosk.c), the orders-per-client limit and QR codes.
BIN_SRCS += web/kiosk.c web/limit.c web/qr.c
# Micro-wishes (微心愿, issue 17): the staff's page and the residents' wall.
BIN_SRCS += web/wish.c
# The form decoder (its fuzz target: tests/fuzz/fuzz_form.c).
TEST_SRCS += tests/test_web_form.c
$(BUILD)/tests/test_web_form: $(BUILD)/obj/tests/test_web_form.o $(BUILD)/obj/web/form.o $(BUILD)/libcunlian.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)
# Orders through POST /kiosk per second, end to end (make bench).
BENCH_SRCS += tests/bench/bench_http.c
# The server's time to render the volunteers' order list with 1,000 orders (make bench).
BENCH_SRCS += tests/bench/bench_http_page.c
# Activities with check-in: the staff's list and the phone's page (issue 17).
BIN_SRCS += web/activity.c
# The hub's read-only lists of wishes and activities (issue 17).
BIN_SRCS += web/hub_lists.c
