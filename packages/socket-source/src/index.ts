export { ipv4Text, ipv6Text } from './ip-text.ts';
export { SOCKET_SOURCE_METRICS, SocketEventSender, type SenderStats, type SocketEventSenderOptions } from './sender.ts';
