// Everything an embedding application needs, in one include. (The conformance kit,
// fengqiao/testing/storage_conformance.hpp, needs doctest and is included on its own.)
#pragma once

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/clock.hpp"
#include "fengqiao/deadline_explanation.hpp"
#include "fengqiao/engine.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/history.hpp"
#include "fengqiao/memory_storage.hpp"
#include "fengqiao/outbox.hpp"
#include "fengqiao/replay.hpp"
#include "fengqiao/report.hpp"
#include "fengqiao/rules.hpp"
#include "fengqiao/storage.hpp"
#include "fengqiao/timeline.hpp"
#include "fengqiao/visit.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/vocabulary.hpp"
