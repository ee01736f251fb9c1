/* resources.h - what the route table (api/routes.c) names, each defined in
 * the file of its resource: the resources served by the generic flows of
 * api/handler.h (list, get, create, update, delete, collection), and the
 * handlers of the routes that have a flow of their own. */
#ifndef AGENDA_API_RESOURCES_H
#define AGENDA_API_RESOURCES_H

#include "api/api.h"

/* Served by the generic flows. */
extern const resource patients_resource;     /* patients.c */
extern const resource appointments_resource; /* appointments.c */
extern const resource services_resource;     /* services.c */

/* Handlers of their own. */
api_err centers_list(api_request *rq, api_response *rs);
api_err calendars_list(api_request *rq, api_response *rs);
api_err opening_hours_get(api_request *rq, api_response *rs);
api_err opening_hours_put(api_request *rq, api_response *rs);
api_err absences_list(api_request *rq, api_response *rs);
api_err absences_create(api_request *rq, api_response *rs);
api_err absences_delete(api_request *rq, api_response *rs);
api_err openings_list(api_request *rq, api_response *rs);
api_err openings_create(api_request *rq, api_response *rs);
api_err openings_delete(api_request *rq, api_response *rs);
api_err suggestions_list(api_request *rq, api_response *rs);
api_err bookings_create(api_request *rq, api_response *rs);
api_err reminders_get(api_request *rq, api_response *rs); /* reminders.c */
api_err reminders_put(api_request *rq, api_response *rs);
api_err booking_get(api_request *rq, api_response *rs); /* booking.c */
api_err booking_put(api_request *rq, api_response *rs);
api_err caldav_get(api_request *rq, api_response *rs); /* caldav.c */
api_err caldav_put(api_request *rq, api_response *rs);
api_err caldav_delete(api_request *rq, api_response *rs);
api_err caldav_sync(api_request *rq, api_response *rs);
api_err templates_list(api_request *rq, api_response *rs); /* templates.c */
api_err templates_put(api_request *rq, api_response *rs);
api_err templates_delete(api_request *rq, api_response *rs);
api_err appointment_messages_list(api_request *rq, api_response *rs); /* messages.c */
api_err center_messages_list(api_request *rq, api_response *rs);
api_err center_replies_list(api_request *rq, api_response *rs);
api_err imports_list(api_request *rq, api_response *rs); /* imports.c */
api_err imports_create(api_request *rq, api_response *rs);
api_err imports_delete(api_request *rq, api_response *rs);
api_err calendar_busy_list(api_request *rq, api_response *rs);
api_err feed_create(api_request *rq, api_response *rs); /* feeds.c */
api_err feed_get(api_request *rq, api_response *rs);
api_err feed_delete(api_request *rq, api_response *rs);
api_err feed_ics(api_request *rq, api_response *rs);   /* (OWNER_PUBLIC) */
api_err sms_status(api_request *rq, api_response *rs); /* sms.c (OWNER_PUBLIC) */
api_err sms_inbound(api_request *rq, api_response *rs);
api_err openapi_get(api_request *rq, api_response *rs); /* openapi.c (OWNER_PUBLIC) */

#endif
