/** The parts of @slack/bolt the bot uses at run time (elsewhere only its types are imported). */
export { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
