/** ASD benchmarks: the store alone (group commit, sync modes, blob threshold), and the ASD over the network. */
package io.albireo.benchmarks.asd;
