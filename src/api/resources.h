/* resources.h - the handlers of the API's routes, one per route, each
 * defined in the file of its resource and named in api/routes.c only. */
#ifndef AGENDA_API_RESOURCES_H
#define AGENDA_API_RESOURCES_H

#include "api/api.h"

/* The handlers, one per route of the table in routes.c. */
api_err centers_list(api_request *rq, api_response *rs);
api_err calendars_list(api_request *rq, api_response *rs);

api_err patients_list(api_request *rq, api_response *rs);
api_err patients_create(api_request *rq, api_response *rs);
api_err patients_get(api_request *rq, api_response *rs);
api_err patients_update(api_request *rq, api_response *rs);
api_err patients_delete(api_request *rq, api_response *rs);
api_err patients_collection(api_request *rq, api_response *rs);

api_err appointments_list(api_request *rq, api_response *rs);
api_err appointments_create(api_request *rq, api_response *rs);
api_err appointments_get(api_request *rq, api_response *rs);
api_err appointments_update(api_request *rq, api_response *rs);
api_err appointments_delete(api_request *rq, api_response *rs);
api_err appointments_collection(api_request *rq, api_response *rs);

api_err services_list(api_request *rq, api_response *rs);
api_err services_collection(api_request *rq, api_response *rs);

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

#endif
