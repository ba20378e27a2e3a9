#include "ThrowawaySshd.h"
