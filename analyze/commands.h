/* commands.h: the commands' entry points, one cmd_<name>.c each (main.c's table). */
#ifndef MTAN_COMMANDS_H
#define MTAN_COMMANDS_H


/* ---- commands: cmd_<name>.c each, one row each in main.c's table ---- */
#define MTAN_CMD(name)                          \
	int cmd_##name(int argc, char **argv); \
	extern const char cmd_##name##_usage[]
MTAN_CMD(load);
MTAN_CMD(report);
MTAN_CMD(diff);
MTAN_CMD(import);
MTAN_CMD(export);
MTAN_CMD(sql);
MTAN_CMD(check);
MTAN_CMD(leaks);
MTAN_CMD(summary);
MTAN_CMD(frag);
MTAN_CMD(frees);
MTAN_CMD(growth);
MTAN_CMD(races);
MTAN_CMD(timeline);
MTAN_CMD(top);
MTAN_CMD(push);
MTAN_CMD(live);
#undef MTAN_CMD


#endif
