# install.cmake: what `cmake --install` (and so the Debian package) puts
# where, below CMAKE_INSTALL_PREFIX (GNUInstallDirs names the places):
#   bin/kluis                          the program
#   share/kluis/{templates,static,data}  what it reads at run time
#   share/man/man1/kluis.1, man5/kluis.conf.5   built with scdoc
#   lib/systemd/system/kluis.service   KLUIS_SYSTEMD_UNITDIR
#   share/doc/kluis/examples/kluis.conf  an example configuration

set(KLUIS_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
	"where kluis.service goes (relative: below the prefix)")

install(TARGETS kluis RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY templates static data
	DESTINATION ${CMAKE_INSTALL_DATADIR}/kluis)

configure_file(${CMAKE_SOURCE_DIR}/dist/kluis.service.in
	${CMAKE_BINARY_DIR}/kluis.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/kluis.service
	DESTINATION ${KLUIS_SYSTEMD_UNITDIR})
install(FILES dist/kluis.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# Manual pages: docs/man/NAME.SECTION.scd, written in scdoc's markup.
find_program(SCDOC scdoc)
if(SCDOC)
	file(GLOB MAN_SOURCES CONFIGURE_DEPENDS
		${CMAKE_SOURCE_DIR}/docs/man/*.scd)
	set(MAN_PAGES)
	foreach(src ${MAN_SOURCES})
		get_filename_component(page ${src} NAME)
		string(REGEX REPLACE "\\.scd$" "" page ${page})
		string(REGEX REPLACE "^.*\\." "" section ${page})
		add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}
			COMMAND ${CMAKE_COMMAND} -E make_directory
				${CMAKE_BINARY_DIR}/man
			COMMAND ${SCDOC} < ${src} > ${CMAKE_BINARY_DIR}/man/${page}
			DEPENDS ${src} VERBATIM)
		list(APPEND MAN_PAGES ${CMAKE_BINARY_DIR}/man/${page})
		install(FILES ${CMAKE_BINARY_DIR}/man/${page}
			DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
	endforeach()
	add_custom_target(man ALL DEPENDS ${MAN_PAGES})
else()
	message(WARNING "scdoc not found: the manual pages are neither built "
		"nor installed (scripts/install-deps.sh installs it)")
endif()
