/* Self-check (seed 002), mounted at /api/self-check behind AuthType
 * GameHoney: the signed-in user's entries a page at a time, newest
 * first, and a new entry in the documented ranges (README "Wellness:
 * settings, SNS and self-check"). */
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_http.h"
#include "gh_page.h"
#include "gh_self_check.h"

#define SCALE_MIN   1
#define SCALE_MAX   5
#define SLEEP_MAX   1440            /* minutes in a day */
#define NOTE_MAX    500
#define PAGE_DEFAULT 20
#define PAGE_MAX    100

static const gh_reason_map_t errors[] = {
    { "user", GH_E_USER_NOT_FOUND },
    { NULL, 0 }
};

static int entries(request_rec *r, const gh_route_params_t *params)
{
    gh_page_t page;
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_http_page(r, PAGE_DEFAULT, PAGE_MAX, &page)) != OK
        || (status = gh_answer(r, gh_self_check_list(r, r->user, &page, &out))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int submit(request_rec *r, const gh_route_params_t *params)
{
    static const char *const fields[] = { "mood", "energy", "stress", "sleep_minutes", "note",
                                          NULL };
    gh_self_check_t entry;
    json_object *in, *out;
    int status;

    (void)params;
    if ((status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_known_fields(r, in, fields)) != OK
        || (status = gh_http_int(r, in, "mood", SCALE_MIN, SCALE_MAX, &entry.mood)) != OK
        || (status = gh_http_int(r, in, "energy", SCALE_MIN, SCALE_MAX, &entry.energy)) != OK
        || (status = gh_http_int(r, in, "stress", SCALE_MIN, SCALE_MAX, &entry.stress)) != OK
        || (status = gh_http_int(r, in, "sleep_minutes", 0, SLEEP_MAX,
                                 &entry.sleep_minutes)) != OK
        || (status = gh_http_string(r, in, NULL, "note", NOTE_MAX, GH_FIELD_LINES,
                                    &entry.note)) != OK
        || (status = gh_answer_mapped(r, gh_self_check_add(r, r->user, &entry, &out),
                                      errors)) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_CREATED, out);
}

static const gh_route_t routes[] = {
    { "GET",  "/",       entries, GH_ROUTE_USER },
    { "POST", "/submit", submit,  GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_self_check = { "self-check", routes, NULL, NULL, NULL };
