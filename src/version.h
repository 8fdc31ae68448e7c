#ifndef RDRILL_VERSION_H
#define RDRILL_VERSION_H

/* The release, recorded in every plan and journal. */
#define RDRILL_VERSION "0.1.0"

#endif
