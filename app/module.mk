# app/: what a station or the hub can do, as a library (app/app.h), in
# libcunlian.a with the layers below it. The command line (node/), the
# tests and every other front end call it.
APP_SRCS := app/core.c app/text.c app/files.c app/config.c app/identity.c app/trust.c \
	app/mark.c app/clock.c app/log.c app/report.c app/station.c
# Enrolment and trust, the clock rescue (issue 14).
APP_SRCS += app/enroll.c app/rescue.c
TEST_SRCS += tests/test_app_enroll.c
LIB_SRCS += $(APP_SRCS)
# C tests of the operations (issue 14).
TEST_SRCS += tests/test_app_core.c
# Orders and points (order.c, points.c) and finding the volunteer a person
# names (volunteer_find.c).
LIB_SRCS += app/order.c app/points.c app/volunteer_find.c
TEST_SRCS += tests/test_app_order.c
# Volunteers: records, import from CSV, resident ID numbers (issue 14).
LIB_SRCS += app/volunteer.c app/volunteer_import.c app/idnum.c app/csv.c
TEST_SRCS += tests/test_app_volunteer.c
# The web pages' login accounts: PINs as Argon2id hashes, roles, lockout (issue 16).
LIB_SRCS += app/account.c
TEST_SRCS += tests/test_app_account.c
# The service categories offered when ordering (category.c; the kiosk).
LIB_SRCS += app/category.c
