/* routes.c - the API's route table: every method and path the server
 * answers, with its handler and what its path is scoped to.
 *
 * Patterns are written as in the API document, after /api/v2 (see
 * http/router.c for "{id}" and "{ref}").  tests/api/test_authz_matrix.py
 * reads this table to test every route against every kind of caller, so keep
 * one route per line in this shape. */
#include "api/api.h"
#include "api/resources.h"

const api_route api_routes[] = {
    {"GET", "centers", centers_list, OWNER_NONE},
    {"GET", "calendars", calendars_list, OWNER_NONE},

    {"GET", "centers/{id}/patients", patients_list, OWNER_CENTER},
    {"POST", "centers/{id}/patients", patients_create, OWNER_CENTER},
    {"GET", "centers/{id}/patients/{ref}", patients_get, OWNER_CENTER},
    {"PUT", "centers/{id}/patients/{ref}", patients_update, OWNER_CENTER},
    {"DELETE", "centers/{id}/patients/{ref}", patients_delete, OWNER_CENTER},
    {"POST", "centers/{id}/patients_collections", patients_collection, OWNER_CENTER},

    {"GET", "calendars/{id}/appointments", appointments_list, OWNER_CALENDAR},
    {"POST", "calendars/{id}/appointments", appointments_create, OWNER_CALENDAR},
    {"GET", "calendars/{id}/appointments/{ref}", appointments_get, OWNER_CALENDAR},
    {"PUT", "calendars/{id}/appointments/{ref}", appointments_update, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/appointments/{ref}", appointments_delete, OWNER_CALENDAR},
    {"POST", "calendars/{id}/appointments_collections", appointments_collection, OWNER_CALENDAR},

    {"GET", "calendars/{id}/services", services_list, OWNER_CALENDAR},
    {"POST", "calendars/{id}/services_collections", services_collection, OWNER_CALENDAR},

    /* extensions: working hours (see the README) */
    {"GET", "calendars/{id}/opening_hours", opening_hours_get, OWNER_CALENDAR},
    {"PUT", "calendars/{id}/opening_hours", opening_hours_put, OWNER_CALENDAR},
    {"GET", "calendars/{id}/absences", absences_list, OWNER_CALENDAR},
    {"POST", "calendars/{id}/absences", absences_create, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/absences/{ref}", absences_delete, OWNER_CALENDAR},
    {"GET", "calendars/{id}/openings", openings_list, OWNER_CALENDAR},
    {"POST", "calendars/{id}/openings", openings_create, OWNER_CALENDAR},
    {"DELETE", "calendars/{id}/openings/{ref}", openings_delete, OWNER_CALENDAR},

    /* the slot engine: the document's suggestions, and bookings (extension) */
    {"GET", "suggestions", suggestions_list, OWNER_NONE},
    {"POST", "calendars/{id}/bookings", bookings_create, OWNER_CALENDAR},
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
