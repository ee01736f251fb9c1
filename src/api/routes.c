/* routes.c - the API's route table: every method and path the server
 * answers, the handler that answers it, the resource that handler serves,
 * and what its path is scoped to.
 *
 * Most routes are a generic flow of api/handler.h (handler_list,
 * handler_get, handler_create, handler_update, handler_delete,
 * handler_collection) applied to a resource of resources.h, so a resource
 * file defines its `resource` and nothing per route; the routes with a flow
 * of their own name their handler and NULL.  OWNER_PUBLIC routes take no
 * credentials: their handlers check the request's signature (the SMS
 * callbacks) or secret (a calendar's feed) themselves.
 *
 * Patterns are written as in the API document, after /api/v2 (see
 * http/router.c for "{id}" and "{ref}").  tests/api/test_authz_matrix.py
 * reads this table to test every route against every kind of caller, so keep
 * one route per line in this shape (hence no formatting of the table). */
#include "api/api.h"
#include "api/handler.h"
#include "api/resources.h"

/* clang-format off */
const api_route api_routes[] = {
    {"GET", "centers", centers_list, NULL, OWNER_NONE},
    {"GET", "calendars", calendars_list, NULL, OWNER_NONE},

    {"GET", "centers/{id}/patients", handler_list, &patients_resource, OWNER_CENTER},
    {"POST", "centers/{id}/patients", handler_create, &patients_resource, OWNER_CENTER},
    {"GET", "centers/{id}/patients/{ref}", handler_get, &patients_resource, OWNER_CENTER},
    {"PUT", "centers/{id}/patients/{ref}", handler_update, &patients_resource, OWNER_CENTER},
    {"DELETE", "centers/{id}/patients/{ref}", handler_delete, &patients_resource, OWNER_CENTER},
    {"POST", "centers/{id}/patients_collections", handler_collection, &patients_resource, OWNER_CENTER},

    {"GET", "calendars/{id}/appointments", handler_list, &appointments_resource, OWNER_CALENDAR},
    {"POST", "calendars/{id}/appointments", handler_create, &appointments_resource, OWNER_CALENDAR},
    {"GET", "calendars/{id}/appointments/{ref}", handler_get, &appointments_resource, OWNER_CALENDAR},
    {"PUT", "calendars/{id}/appointments/{ref}", handler_update, &appointments_resource, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/appointments/{ref}", handler_delete, &appointments_resource, OWNER_CALENDAR},
    {"POST", "calendars/{id}/appointments_collections", handler_collection, &appointments_resource, OWNER_CALENDAR},

    {"GET", "calendars/{id}/services", handler_list, &services_resource, OWNER_CALENDAR},
    {"POST", "calendars/{id}/services_collections", handler_collection, &services_resource, OWNER_CALENDAR},

    /* extensions: working hours (see the README) */
    {"GET", "calendars/{id}/opening_hours", opening_hours_get, NULL, OWNER_CALENDAR},
    {"PUT", "calendars/{id}/opening_hours", opening_hours_put, NULL, OWNER_CALENDAR},
    {"GET", "calendars/{id}/absences", absences_list, NULL, OWNER_CALENDAR},
    {"POST", "calendars/{id}/absences", absences_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/absences/{ref}", absences_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/{id}/openings", openings_list, NULL, OWNER_CALENDAR},
    {"POST", "calendars/{id}/openings", openings_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/openings/{ref}", openings_delete, NULL, OWNER_CALENDAR},

    /* extensions: calendar sync (see the README) */
    {"GET", "calendars/{id}/imports", imports_list, NULL, OWNER_CALENDAR},
    {"POST", "calendars/{id}/imports", imports_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/imports/{ref}", imports_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/{id}/busy", calendar_busy_list, NULL, OWNER_CALENDAR},

    /* the slot engine: the document's suggestions, and bookings (extension) */
    {"GET", "suggestions", suggestions_list, NULL, OWNER_NONE},
    {"POST", "calendars/{id}/bookings", bookings_create, NULL, OWNER_CALENDAR},

    /* extensions: patient messages (see the README) */
    {"GET", "centers/{id}/reminders", reminders_get, NULL, OWNER_CENTER},
    {"PUT", "centers/{id}/reminders", reminders_put, NULL, OWNER_CENTER},
    {"GET", "centers/{id}/templates", templates_list, NULL, OWNER_CENTER},
    {"PUT", "centers/{id}/templates/{kind}/{channel}/{language}", templates_put, NULL, OWNER_CENTER},
    {"DELETE", "centers/{id}/templates/{kind}/{channel}/{language}", templates_delete, NULL, OWNER_CENTER},
    {"GET", "calendars/{id}/appointments/{ref}/messages", appointment_messages_list, NULL, OWNER_CALENDAR},
    {"GET", "centers/{id}/messages", center_messages_list, NULL, OWNER_CENTER},
    {"GET", "centers/{id}/replies", center_replies_list, NULL, OWNER_CENTER},
    /* extension: a center's booking page settings (booking.c, see the README) */
    {"GET", "centers/{id}/booking", booking_get, NULL, OWNER_CENTER},
    {"PUT", "centers/{id}/booking", booking_put, NULL, OWNER_CENTER},
    /* extension: a calendar's CalDAV link (caldav.c, see the README) */
    {"GET", "calendars/{id}/caldav", caldav_get, NULL, OWNER_CALENDAR},
    {"PUT", "calendars/{id}/caldav", caldav_put, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/caldav", caldav_delete, NULL, OWNER_CALENDAR},
    {"POST", "calendars/{id}/caldav/sync", caldav_sync, NULL, OWNER_CALENDAR},
    /* extension: a calendar's iCalendar feed (feeds.c, see the README); the
     * feed itself is public, opened by its own secret token */
    {"GET", "calendars/{id}/feed", feed_get, NULL, OWNER_CALENDAR},
    {"POST", "calendars/{id}/feed", feed_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/feed", feed_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/{id}/feed.ics", feed_ics, NULL, OWNER_PUBLIC},
    /* the SMS gateway's callbacks: public, signed (sms.c) */
    {"POST", "sms/status", sms_status, NULL, OWNER_PUBLIC},
    {"POST", "sms/inbound", sms_inbound, NULL, OWNER_PUBLIC},
    /* the API's OpenAPI document (openapi.c): public */
    {"GET", "openapi.json", openapi_get, NULL, OWNER_PUBLIC},
};
/* clang-format on */

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
