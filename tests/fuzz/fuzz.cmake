# libFuzzer targets (cmake -DKLUIS_FUZZ=ON with CC=clang; `make fuzz`).
foreach(name fuzz_parsers fuzz_request)
	add_executable(${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}.c)
	target_link_libraries(${name} PRIVATE kluiscore)
	target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endforeach()
