import tools.engine.mockrun as m

m.COMPONENT_UNDER_TEST["build"]()
