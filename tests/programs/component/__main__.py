import tools.mockrun as m

m.COMPONENT_UNDER_TEST["build"]()
