/* agency_commands.h -- the subcommands cmd_agency (agency_main.c) runs,
 * each given the arguments from its own name on. They return an exit
 * status (cli.h). */
#ifndef HERALD_AGENCY_COMMANDS_H
#define HERALD_AGENCY_COMMANDS_H

int agency_send_main(int argc, char **argv);
int agency_serve_main(int argc, char **argv);
int agency_postal_main(int argc, char **argv);
/* postal --letters and postal --handed-over (agency_letters.c) */
int agency_letters_main(int argc, char **argv);
int agency_status_main(int argc, char **argv);
int agency_cancel_main(int argc, char **argv);
int agency_purge_main(int argc, char **argv);
int agency_key_main(int argc, char **argv);
int agency_callback_main(int argc, char **argv);
int agency_paid_main(int argc, char **argv);
int agency_report_main(int argc, char **argv);
int agency_routes_main(int argc, char **argv);
int agency_user_main(int argc, char **argv);

#endif
