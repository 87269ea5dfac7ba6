# Unit tests: one C program per tests/unit/test_*.c, linked against the core.
file(GLOB UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${UNIT_TESTS})
	get_filename_component(name ${src} NAME_WE)
	add_executable(${name} ${src})
	target_link_libraries(${name} PRIVATE kluiscore)
	add_test(NAME unit_${name} COMMAND ${name})
	set_tests_properties(unit_${name} PROPERTIES
		ENVIRONMENT "KLUIS_SHARE=${CMAKE_SOURCE_DIR}")
endforeach()

# End-to-end tests: each tests/e2e/test_*.py starts real kluis servers on
# loopback ports and drives them over HTTP.
find_program(PYTHON3 python3 REQUIRED)
file(GLOB E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/e2e/test_*.py)
foreach(src ${E2E_TESTS})
	get_filename_component(name ${src} NAME_WE)
	add_test(NAME e2e_${name} COMMAND ${PYTHON3} ${src})
	set_tests_properties(e2e_${name} PROPERTIES
		ENVIRONMENT "KLUIS_BIN=$<TARGET_FILE:kluis>;KLUIS_SHARE=${CMAKE_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
		TIMEOUT 600)
endforeach()

# The layers (scripts/layers.py): no file in portal/ uses a layer above its
# own, as portal.h groups them; domain files know nothing of HTTP.
add_test(NAME lint_layers
	COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/layers.py
	${CMAKE_SOURCE_DIR}/portal)

# Browser tests: each tests/browser/*.test.mjs drives Debian's chromium with
# playwright-core (scripts/install-browser-deps.sh installs both; `make test`
# runs it). Screenshots land in build/browser-screenshots/. Exit 77 (skipped)
# when the browser tools are missing.
find_program(NODE node)
file(GLOB BROWSER_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/browser/*.test.mjs)
if(NODE)
	foreach(src ${BROWSER_TESTS})
		get_filename_component(name ${src} NAME)
		string(REGEX REPLACE "\\.test\\.mjs$" "" name ${name})
		add_test(NAME browser_${name} COMMAND ${NODE} ${src})
		set_tests_properties(browser_${name} PROPERTIES
			ENVIRONMENT "KLUIS_BIN=$<TARGET_FILE:kluis>;KLUIS_SHARE=${CMAKE_SOURCE_DIR};KLUIS_SCREENSHOTS=${CMAKE_BINARY_DIR}/browser-screenshots"
			SKIP_RETURN_CODE 77
			RUN_SERIAL TRUE	# chromium would starve the timing-sensitive e2e tests
			TIMEOUT 600)
	endforeach()
endif()

# The fuzz targets (tests/fuzz/) without libFuzzer: every build compiles
# them and replays their corpus once (make fuzz does the fuzzing).
if(NOT KLUIS_FUZZ)
	foreach(name parsers request)
		add_executable(replay_${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${name}.c
			${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
		target_link_libraries(replay_${name} PRIVATE kluiscore)
		add_test(NAME fuzz_corpus_${name} COMMAND replay_${name}
			${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
		set_tests_properties(fuzz_corpus_${name} PROPERTIES
			ENVIRONMENT "KLUIS_SHARE=${CMAKE_SOURCE_DIR}" TIMEOUT 600)
	endforeach()
endif()

# Package tests (tests/package/): an install from a clone into a temporary
# prefix, run without KLUIS_SHARE (every make test); the Debian package
# built, linted, its unit verified and rated, its contents run from an
# extracted root (only with KLUIS_DEB_CHECK=1: make deb-check, .ci/run;
# otherwise skipped, exit 77).
add_test(NAME package_install
	COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/package/test_install.py)
add_test(NAME package_deb
	COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/package/test_deb.py)
set_tests_properties(package_install package_deb PROPERTIES
	ENVIRONMENT "KLUIS_BIN=$<TARGET_FILE:kluis>;KLUIS_DEB_OUT=${CMAKE_BINARY_DIR}/deb-check;PYTHONDONTWRITEBYTECODE=1"
	SKIP_RETURN_CODE 77
	RUN_SERIAL TRUE	# their builds would starve the timing-sensitive e2e tests
	TIMEOUT 1800)
