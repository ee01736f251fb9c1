/* test_form.c - form bodies as JSON trees: every key form of form.h and of
 * the API document, escapes, the Rails rule, and each error and limit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "http/form.h"

/* Parses body[0..len) and checks the compact JSON it gives. */
static void expect_len(const char *body, size_t len, const char *json)
{
    const char *err = NULL;
    cJSON *tree = form_parse(body, len, &err);
    ck_assert_msg(tree != NULL, "refused %s: %s", body, err ? err : "");
    ck_assert(cJSON_IsObject(tree));
    char *got = cJSON_PrintUnformatted(tree);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(strcmp(got, json) == 0, "%s\n  gave %s\n  want %s", body, got, json);
    free(got);
    cJSON_Delete(tree);
}

static void expect(const char *body, const char *json)
{
    expect_len(body, strlen(body), json);
}

/* Expects body[0..len) to be refused with the message `want`. */
static void refused_len(const char *body, size_t len, const char *want)
{
    const char *err = NULL;
    cJSON *tree = form_parse(body, len, &err);
    if (tree) {
        char *got = cJSON_PrintUnformatted(tree);
        ck_abort_msg("accepted %.80s as %.200s", body, got);
    }
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strcmp(err, want) == 0, "%.80s: got \"%s\", want \"%s\"", body, err, want);
}

static void refused(const char *body, const char *want)
{
    refused_len(body, strlen(body), want);
}

#define CONFLICT   "form key used both as a value and as an object or array"
#define MIXED      "form array mixes [] and explicit indexes"
#define UNBALANCED "unbalanced brackets in form key"
#define BAD_ESCAPE "malformed percent-escape in form body"

START_TEST(empty_bodies)
{
    expect("", "{}");
    expect_len(NULL, 0, "{}");
    expect("&", "{}");
    expect("&&&", "{}");
    expect("=v&=&=w", "{}"); /* empty keys are skipped */
}
END_TEST

START_TEST(plain_keys)
{
    expect("a=1&b=two", "{\"a\":\"1\",\"b\":\"two\"}");
    expect("k=1&k=2", "{\"k\":\"2\"}"); /* the last value wins */
    /* a replaced value may be shorter or longer than the one before */
    expect("k=long&k=s&k=&k=longer", "{\"k\":\"longer\"}");
    expect("a[0]=abc&a[0]=x&b[c]=xyz&b[c]=", "{\"a\":[\"x\"],\"b\":{\"c\":\"\"}}");
    expect("flag", "{\"flag\":\"\"}"); /* no '=' */
    expect("a=&b", "{\"a\":\"\",\"b\":\"\"}");
    expect("a=x=y", "{\"a\":\"x=y\"}");   /* only the first '=' splits */
    expect("0=zero", "{\"0\":\"zero\"}"); /* a top-level name is never an index */
    expect("a=1&&b=2&", "{\"a\":\"1\",\"b\":\"2\"}");
}
END_TEST

START_TEST(escapes_and_plus)
{
    expect("name=Jo+Van%20Hecke", "{\"name\":\"Jo Van Hecke\"}");
    expect("e=a%40b.c&p=%2B32", "{\"e\":\"a@b.c\",\"p\":\"+32\"}");
    expect("caf%C3%A9=%c3%a9", "{\"caf\xc3\xa9\":\"\xc3\xa9\"}");
    expect("first+name=x", "{\"first name\":\"x\"}");
    /* brackets may arrive escaped, as browsers and curl send them */
    expect("patient%5Bfirst_name%5D=Jo", "{\"patient\":{\"first_name\":\"Jo\"}}");
    expect("a%5B%5D=1&a%5b%5d=2", "{\"a\":[\"1\",\"2\"]}");
    expect("a=%26%3D", "{\"a\":\"&=\"}");
}
END_TEST

START_TEST(bad_escapes_and_nul)
{
    refused("a=%", BAD_ESCAPE);
    refused("a=%4", BAD_ESCAPE);
    refused("a=%zz", BAD_ESCAPE);
    refused("a%=1", BAD_ESCAPE);
    refused("a=%00", BAD_ESCAPE);
    refused("a%00b=1", BAD_ESCAPE);
    refused_len("a=x\0y", 5, BAD_ESCAPE);
    /* the body is read to len, not to a NUL */
    expect_len("a=1&b=2", 3, "{\"a\":\"1\"}");
}
END_TEST

START_TEST(nested_objects)
{
    expect("patient[first_name]=Jo&patient[last_name]=Van+Hecke",
           "{\"patient\":{\"first_name\":\"Jo\",\"last_name\":\"Van Hecke\"}}");
    expect("a[b][c][d]=1&a[b][e]=2&a[f]=3",
           "{\"a\":{\"b\":{\"c\":{\"d\":\"1\"},\"e\":\"2\"},\"f\":\"3\"}}");
    expect("patient[notes]=a&patient[notes]=b", "{\"patient\":{\"notes\":\"b\"}}");
    expect("patient[first name]=x", "{\"patient\":{\"first name\":\"x\"}}");
    expect("a[x]=1&b=2&a[y]=3", "{\"a\":{\"x\":\"1\",\"y\":\"3\"},\"b\":\"2\"}");
}
END_TEST

START_TEST(documented_patient_keys)
{
    expect("patient[remote_id]=698&patient[last_name]=Van+Hecke&patient[first_name]=Joris"
           "&patient[email]=joris.vanhecke%40gmail.com&patient[phone_number]=%2B393883231049"
           "&patient[birthdate]=1990-05-16&patient[address]=Rue+Brederode%2C+16%2C+1000+Brussels"
           "&patient[notes]=&patient[language_code]=",
           "{\"patient\":{\"remote_id\":\"698\",\"last_name\":\"Van Hecke\",\"first_name\":"
           "\"Joris\",\"email\":\"joris.vanhecke@gmail.com\",\"phone_number\":\"+393883231049\","
           "\"birthdate\":\"1990-05-16\",\"address\":\"Rue Brederode, 16, 1000 Brussels\","
           "\"notes\":\"\",\"language_code\":\"\"}}");
}
END_TEST

START_TEST(array_of_scalars)
{
    expect("a[]=1&a[]=2&a[]=1", "{\"a\":[\"1\",\"2\",\"1\"]}");
    expect("a[b][]=x", "{\"a\":{\"b\":[\"x\"]}}");
    expect("a[]", "{\"a\":[\"\"]}");
}
END_TEST

START_TEST(rails_rule_for_arrays_of_objects)
{
    expect("a[b][][c]=1&a[b][][c]=2", "{\"a\":{\"b\":[{\"c\":\"1\"},{\"c\":\"2\"}]}}");
    /* keys not yet in the last element join it */
    expect("l[][x]=1&l[][y]=2&l[][x]=3&l[][y]=4",
           "{\"l\":[{\"x\":\"1\",\"y\":\"2\"},{\"x\":\"3\",\"y\":\"4\"}]}");
    /* a field missing from one entry: the next entry's first key decides */
    expect("l[][id]=1&l[][id]=2&l[][name]=n",
           "{\"l\":[{\"id\":\"1\"},{\"id\":\"2\",\"name\":\"n\"}]}");
    /* deeper paths compare the whole remaining path */
    expect("l[][p][id]=1&l[][p][rid]=a&l[][p][id]=2",
           "{\"l\":[{\"p\":{\"id\":\"1\",\"rid\":\"a\"}},{\"p\":{\"id\":\"2\"}}]}");
    /* a remaining path through [] never starts a new element */
    expect("l[][tags][]=a&l[][tags][]=b", "{\"l\":[{\"tags\":[\"a\",\"b\"]}]}");
    /* arrays of arrays follow the same rule */
    expect("m[][]=1&m[][]=2", "{\"m\":[[\"1\",\"2\"]]}");
    expect("m[][0]=1&m[][1]=2&m[][0]=3", "{\"m\":[[\"1\",\"2\"],[\"3\"]]}");
}
END_TEST

START_TEST(explicit_indexes)
{
    expect("a[b][0][c]=1&a[b][1][c]=2", "{\"a\":{\"b\":[{\"c\":\"1\"},{\"c\":\"2\"}]}}");
    /* sparse and unordered indexes are placed in ascending order, no holes */
    expect("a[5]=x&a[2]=y&a[9]=z", "{\"a\":[\"y\",\"x\",\"z\"]}");
    expect("a[1][n]=b&a[0][n]=a&a[1][m]=c", "{\"a\":[{\"n\":\"a\"},{\"n\":\"b\",\"m\":\"c\"}]}");
    expect("a[0]=x&a[0]=y", "{\"a\":[\"y\"]}");   /* a repeated index replaces */
    expect("a[007]=x&a[7]=y", "{\"a\":[\"y\"]}"); /* leading zeros are the same index */
    expect("a[100000]=max", "{\"a\":[\"max\"]}");
    expect("a[0][0]=p&a[0][1]=q&a[1][0]=r", "{\"a\":[[\"p\",\"q\"],[\"r\"]]}");
    /* a name that merely starts with digits is a member */
    expect("a[1x]=y", "{\"a\":{\"1x\":\"y\"}}");
}
END_TEST

START_TEST(documented_collection_keys)
{
    expect("patients_collection[patients][patient][id]=1"
           "&patients_collection[patients][patient][remote_id]=698"
           "&patients_collection[patients][patient][id]=2"
           "&patients_collection[patients][patient][remote_id]=999",
           "{\"patients_collection\":{\"patients\":[{\"patient\":{\"id\":\"1\",\"remote_id\":"
           "\"698\"}},{\"patient\":{\"id\":\"2\",\"remote_id\":\"999\"}}]}}");
    expect("appointments_collection[appointments][appointment][id]=57"
           "&appointments_collection[appointments][appointment][remote_id]=8401"
           "&appointments_collection[appointments][appointment][patient_remote_id]=104"
           "&appointments_collection[appointments][appointment][id]=58"
           "&appointments_collection[appointments][appointment][remote_id]=8402"
           "&appointments_collection[appointments][appointment][patient_remote_id]=80",
           "{\"appointments_collection\":{\"appointments\":[{\"appointment\":{\"id\":\"57\","
           "\"remote_id\":\"8401\",\"patient_remote_id\":\"104\"}},{\"appointment\":{\"id\":"
           "\"58\",\"remote_id\":\"8402\",\"patient_remote_id\":\"80\"}}]}}");
    expect("services_collection[services][service][remote_id]=abc"
           "&services_collection[services][service][duration]=60"
           "&services_collection[services][service][name]=Long+appointment"
           "&services_collection[services][service][color]=%23FF0000"
           "&services_collection[services][service][remote_id]=xyz"
           "&services_collection[services][service][duration]=30"
           "&services_collection[services][service][name]=Short+appointment"
           "&services_collection[services][service][color]=%2300FF00",
           "{\"services_collection\":{\"services\":[{\"service\":{\"remote_id\":\"abc\","
           "\"duration\":\"60\",\"name\":\"Long appointment\",\"color\":\"#FF0000\"}},"
           "{\"service\":{\"remote_id\":\"xyz\",\"duration\":\"30\",\"name\":\"Short "
           "appointment\",\"color\":\"#00FF00\"}}]}}");
}
END_TEST

START_TEST(collection_array_forms_agree)
{
    const char *want = "{\"x_collection\":{\"items\":[{\"item\":{\"f\":\"1\"}},{\"item\":{\"f\":"
                       "\"2\"}}]}}";
    expect("x_collection[items][item][f]=1&x_collection[items][item][f]=2", want);
    expect("x_collection[items][][item][f]=1&x_collection[items][][item][f]=2", want);
    expect("x_collection[items][0][item][f]=1&x_collection[items][1][item][f]=2", want);
    expect("x_collection[items][1][item][f]=2&x_collection[items][0][item][f]=1", want);
}
END_TEST

START_TEST(implicit_array_only_where_documented)
{
    /* not a top-level *_collection key */
    expect("a[x_collection][items][item]=1",
           "{\"a\":{\"x_collection\":{\"items\":{\"item\":\"1\"}}}}");
    /* "_collection" alone has no prefix */
    expect("_collection[items][item]=1", "{\"_collection\":{\"items\":{\"item\":\"1\"}}}");
    /* two levels only: the list key holds a value */
    expect("x_collection[items]=1", "{\"x_collection\":{\"items\":\"1\"}}");
    /* a scalar element */
    expect("x_collection[items][item]=1&x_collection[items][item]=2",
           "{\"x_collection\":{\"items\":[{\"item\":\"1\"},{\"item\":\"2\"}]}}");
    /* other members of the collection object stay members */
    expect("x_collection[note]=n&x_collection[items][item][f]=1",
           "{\"x_collection\":{\"note\":\"n\",\"items\":[{\"item\":{\"f\":\"1\"}}]}}");
}
END_TEST

START_TEST(literal_list_at_the_top_level)
{
    /* the opening hours' literal collection style: a repeated key starts
     * the next entry */
    const char *want = "{\"opening_hours\":[{\"opening_hour\":{\"day\":\"monday\","
                       "\"start\":\"08:30\"}},{\"opening_hour\":{\"day\":\"friday\","
                       "\"start\":\"09:00\"}}],\"slot_step\":\"10\"}";
    expect("opening_hours[opening_hour][day]=monday&opening_hours[opening_hour][start]=08:30"
           "&opening_hours[opening_hour][day]=friday&opening_hours[opening_hour][start]=09:00"
           "&slot_step=10",
           want);
    expect("opening_hours[][opening_hour][day]=monday&opening_hours[][opening_hour][start]=08:30"
           "&opening_hours[][opening_hour][day]=friday&opening_hours[][opening_hour][start]=09:00"
           "&slot_step=10",
           want);
    /* only when the second name is the first without its final "s" */
    expect("patient[first_name][x]=1", "{\"patient\":{\"first_name\":{\"x\":\"1\"}}}");
    expect("hours[hour]=1", "{\"hours\":{\"hour\":\"1\"}}");
    expect("s[][x]=1", "{\"s\":[{\"x\":\"1\"}]}");
}
END_TEST

START_TEST(scalar_and_container_conflicts)
{
    refused("a=1&a[b]=2", CONFLICT);
    refused("a[b]=2&a=1", CONFLICT);
    refused("a[b]=1&a[]=2", CONFLICT);
    refused("a[]=1&a[b]=2", CONFLICT);
    refused("a[]=1&a[][b]=2", CONFLICT);
    refused("a[][b]=1&a[]=2", CONFLICT);
    refused("a[0]=1&a[1][b]=2", CONFLICT);
    refused("a[0][b]=1&a[0]=2", CONFLICT);
    refused("a[b][c]=1&a[b]=2", CONFLICT);
    refused("x_collection[items][item][f]=1&x_collection[items]=2", CONFLICT);
    refused("a[0]=1&a[]=2", MIXED);
    refused("a[]=1&a[0]=2", MIXED);
}
END_TEST

START_TEST(malformed_keys)
{
    refused("[a]=1", "form key starts with '['");
    refused("[]=1", "form key starts with '['");
    refused("%5Ba%5D=1", "form key starts with '['");
    refused("a[=1", UNBALANCED);
    refused("a[b=1", UNBALANCED);
    refused("a]=1", UNBALANCED);
    refused("a]b[c]=1", UNBALANCED);
    refused("a[b]]=1", "malformed form key (text after ']')");
    refused("a[b[c]]=1", UNBALANCED);
    refused("a[b]c=1", "malformed form key (text after ']')");
    refused("a[b] =1", "malformed form key (text after ']')");
    refused("a[b][=1", UNBALANCED);
    refused("ok=1&a[=1", UNBALANCED); /* one bad pair spoils the body */
}
END_TEST

START_TEST(depth_limit)
{
    char key[256] = "a";
    for (int i = 0; i < FORM_MAX_DEPTH; i++)
        strcat(key, "[k]");
    char body[300];
    snprintf(body, sizeof body, "%s=v", key);
    const char *err = NULL;
    cJSON *tree = form_parse(body, strlen(body), &err);
    ck_assert_ptr_nonnull(tree);
    const cJSON *n = cJSON_GetObjectItem(tree, "a");
    for (int i = 0; i < FORM_MAX_DEPTH; i++)
        n = cJSON_GetObjectItem(n, "k");
    ck_assert_str_eq(cJSON_GetStringValue(n), "v");
    cJSON_Delete(tree);
    snprintf(body, sizeof body, "%s[k]=v", key);
    refused(body, "form key nested too deeply");
    snprintf(body, sizeof body, "%s[]=v", key);
    refused(body, "form key nested too deeply");
    /* the implicit [] of a collection does not count against the limit */
    char coll[300] = "x_collection[items][item]";
    for (int i = 2; i < FORM_MAX_DEPTH; i++)
        strcat(coll, "[k]");
    strcat(coll, "=v");
    tree = form_parse(coll, strlen(coll), &err);
    ck_assert_ptr_nonnull(tree);
    cJSON_Delete(tree);
}
END_TEST

START_TEST(index_limit)
{
    refused("a[100001]=x", "form array index too large");
    refused("a[99999999999999999999999999]=x", "form array index too large");
    refused("a[][100001]=x", "form array index too large");
}
END_TEST

START_TEST(huge_keys_and_values)
{
    size_t n = FORM_MAX_KEY;
    char *body = malloc(3 * FORM_MAX_VALUE + 16);
    ck_assert_ptr_nonnull(body);
    /* a key of exactly the limit passes, one byte more does not */
    memset(body, 'k', n);
    strcpy(body + n, "=v");
    cJSON *tree = form_parse(body, strlen(body), NULL);
    ck_assert_ptr_nonnull(tree);
    cJSON_Delete(tree);
    memset(body, 'k', n + 1);
    strcpy(body + n + 1, "=v");
    refused(body, "form key too long");
    /* escapes count once decoded */
    for (size_t i = 0; i < n; i++)
        memcpy(body + 3 * i, "%6B", 3);
    strcpy(body + 3 * n, "=v");
    tree = form_parse(body, strlen(body), NULL);
    ck_assert_ptr_nonnull(tree);
    cJSON_Delete(tree);
    /* values */
    memcpy(body, "v=", 2);
    memset(body + 2, 'x', FORM_MAX_VALUE);
    body[2 + FORM_MAX_VALUE] = '\0';
    tree = form_parse(body, strlen(body), NULL);
    ck_assert_ptr_nonnull(tree);
    ck_assert_uint_eq(strlen(cJSON_GetObjectItem(tree, "v")->valuestring), FORM_MAX_VALUE);
    cJSON_Delete(tree);
    strcpy(body + 2 + FORM_MAX_VALUE, "x");
    refused(body, "form value too long");
    memset(body + 2, '%', 3 * FORM_MAX_VALUE + 6); /* refused before decoding */
    body[3 * FORM_MAX_VALUE + 8] = '\0';
    refused(body, "form value too long");
    free(body);
}
END_TEST

START_TEST(node_limit)
{
    /* "k<n>=&" is at most 9 bytes per field */
    size_t fields = FORM_MAX_NODES + 1;
    char *body = malloc(fields * 9 + 1);
    ck_assert_ptr_nonnull(body);
    size_t o = 0;
    for (size_t i = 0; i < fields - 1; i++)
        o += (size_t)sprintf(body + o, "k%zu=&", i);
    cJSON *tree = form_parse(body, o, NULL);
    ck_assert_ptr_nonnull(tree);
    ck_assert_int_eq(cJSON_GetArraySize(tree), FORM_MAX_NODES);
    cJSON_Delete(tree);
    o += (size_t)sprintf(body + o, "one_more=");
    refused_len(body, o, "form body has too many fields");
    free(body);
}
END_TEST

START_TEST(many_indexes_in_reverse)
{
    /* descending explicit indexes stay cheap and come out ascending */
    size_t count = FORM_MAX_INDEX + 1;
    char *body = malloc(count * 20);
    ck_assert_ptr_nonnull(body);
    size_t o = 0;
    for (size_t i = count; i-- > 0;)
        o += (size_t)sprintf(body + o, "a[%zu]=%zu&", i, i);
    cJSON *tree = form_parse(body, o, NULL);
    ck_assert_ptr_nonnull(tree);
    const cJSON *arr = cJSON_GetObjectItem(tree, "a");
    ck_assert_int_eq(cJSON_GetArraySize(arr), (int)count);
    size_t i = 0;
    char want[32];
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        snprintf(want, sizeof want, "%zu", i);
        ck_assert_str_eq(e->valuestring, want);
    }
    cJSON_Delete(tree);
    free(body);
}
END_TEST

START_TEST(null_err_is_allowed)
{
    ck_assert_ptr_null(form_parse("[x]=1", 5, NULL));
    cJSON *tree = form_parse("a=1", 3, NULL);
    ck_assert_ptr_nonnull(tree);
    cJSON_Delete(tree);
}
END_TEST

Suite *suite_form(void)
{
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, empty_bodies);
    tcase_add_test(tc, plain_keys);
    tcase_add_test(tc, escapes_and_plus);
    tcase_add_test(tc, bad_escapes_and_nul);
    tcase_add_test(tc, nested_objects);
    tcase_add_test(tc, documented_patient_keys);
    tcase_add_test(tc, array_of_scalars);
    tcase_add_test(tc, rails_rule_for_arrays_of_objects);
    tcase_add_test(tc, explicit_indexes);
    tcase_add_test(tc, documented_collection_keys);
    tcase_add_test(tc, collection_array_forms_agree);
    tcase_add_test(tc, implicit_array_only_where_documented);
    tcase_add_test(tc, literal_list_at_the_top_level);
    tcase_add_test(tc, scalar_and_container_conflicts);
    tcase_add_test(tc, malformed_keys);
    suite_add_tcase(s, tc);
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 30);
    tcase_add_test(limits, depth_limit);
    tcase_add_test(limits, index_limit);
    tcase_add_test(limits, huge_keys_and_values);
    tcase_add_test(limits, node_limit);
    tcase_add_test(limits, many_indexes_in_reverse);
    tcase_add_test(limits, null_err_is_allowed);
    suite_add_tcase(s, limits);
    return s;
}
