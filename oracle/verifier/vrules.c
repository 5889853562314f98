/* vrules.c — identifiers of the verifier's rules (vrules.h). */
#include "oracle/verifier/vrules.h"

#define VR_ID_(name, id) [name] = id,
static const char *const ids[VR_COUNT_] = { VRULES(VR_ID_) };
#undef VR_ID_

const char *vrule_id(enum vrule r)
{
	return (unsigned)r < VR_COUNT_ ? ids[r] : "?";
}
