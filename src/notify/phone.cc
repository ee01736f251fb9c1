// phone.cc - phone_to_e164 over libphonenumber (see phone.h).
//
// The project's only C++: the library speaks nothing else.  Every call runs
// inside one try block, so nothing thrown (std::bad_alloc, or whatever the
// library or protobuf may throw) reaches the C callers; a failure is simply
// "not a usable number".  PhoneNumberUtil::GetInstance() builds its metadata
// once, thread-safely, and Parse, IsValidNumber and Format are const on it.
#include "notify/phone.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

// The region as libphonenumber wants it: two upper-case letters, or "ZZ"
// (unknown) when none is given.  False when it is something else.
bool region_code(const char *region, std::string *out)
{
    bool ok = true;
    if (region == nullptr || region[0] == '\0') {
        *out = "ZZ";
    } else if (std::strlen(region) != 2) {
        ok = false;
    } else {
        out->clear();
        for (int i = 0; i < 2 && ok; i++) {
            char c = region[i];
            if (c >= 'a' && c <= 'z')
                c = static_cast<char>(c - 'a' + 'A');
            ok = c >= 'A' && c <= 'Z';
            out->push_back(c);
        }
    }
    return ok;
}

bool to_e164(const char *number, const char *default_region, char *out)
{
    std::string region, e164;
    PhoneNumber parsed;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    bool ok = std::strlen(number) <= PHONE_INPUT_MAX && region_code(default_region, &region) &&
              util->Parse(number, region, &parsed) == PhoneNumberUtil::NO_PARSING_ERROR &&
              util->IsValidNumber(parsed);
    if (ok) {
        util->Format(parsed, PhoneNumberUtil::E164, &e164);
        ok = e164.size() >= 2 && e164.size() < PHONE_E164_MAX && e164[0] == '+';
    }
    if (ok)
        std::memcpy(out, e164.c_str(), e164.size() + 1);
    return ok;
}

} // namespace

extern "C" bool phone_to_e164(const char *number, const char *default_region,
                              char out[PHONE_E164_MAX])
{
    bool ok = false;
    try {
        ok = number != nullptr && to_e164(number, default_region, out);
    } catch (...) {
        ok = false;
    }
    if (!ok)
        out[0] = '\0';
    return ok;
}
