/** The console's vpool:* and vdisk:* commands, and completers of vPool and vDisk names. */
package io.albireo.volumedriver.internal.command;
